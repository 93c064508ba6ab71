/** History events and certificate records. */
import type Database from 'better-sqlite3';
import type { StoreContext } from './context.ts';
import type { CertificateRecord, EventLevel, EventRecord } from './types.ts';

interface EventRow {
  id: number;
  at: number;
  run_id: string | null;
  level: EventLevel;
  type: string;
  address: string | null;
  message: string;
  data: string;
}

interface CertRow {
  name: string;
  serial: string;
  subject: string;
  issuer: string;
  not_before: number;
  not_after: number;
  renew_at: number | null;
  fingerprint: string;
  pem: string;
  status: CertificateRecord['status'];
  updated_at: number;
}

export interface EventsApi {
  add(event: {
    runId?: string;
    level?: EventLevel;
    type: string;
    address?: string;
    message: string;
    data?: Record<string, unknown>;
  }): number;
  list(filter?: { runId?: string; address?: string; limit?: number }): EventRecord[];
}

export interface CertificatesApi {
  put(record: Omit<CertificateRecord, 'updatedAt'>): void;
  get(name: string): CertificateRecord | undefined;
  list(): CertificateRecord[];
  /** Certificates whose renewal time (or, lacking one, expiry) is at or before `at`. */
  due(at: number): CertificateRecord[];
  remove(name: string): void;
}

function toEvent(r: EventRow): EventRecord {
  return {
    id: r.id,
    at: r.at,
    level: r.level,
    type: r.type,
    message: r.message,
    data: JSON.parse(r.data) as Record<string, unknown>,
    ...(r.run_id === null ? {} : { runId: r.run_id }),
    ...(r.address === null ? {} : { address: r.address }),
  };
}

function toCert(r: CertRow): CertificateRecord {
  return {
    name: r.name,
    serial: r.serial,
    subject: r.subject,
    issuer: r.issuer,
    notBefore: r.not_before,
    notAfter: r.not_after,
    fingerprint: r.fingerprint,
    pem: r.pem,
    status: r.status,
    updatedAt: r.updated_at,
    ...(r.renew_at === null ? {} : { renewAt: r.renew_at }),
  };
}

export function eventsApi(db: Database.Database, ctx: StoreContext): EventsApi {
  const insert = db.prepare(
    'INSERT INTO events (at, run_id, level, type, address, message, data) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const query = db.prepare<[string | null, string | null, string | null, string | null, number], EventRow>(
    `SELECT * FROM events WHERE (? IS NULL OR run_id = ?) AND (? IS NULL OR address = ?) ORDER BY id DESC LIMIT ?`,
  );
  return {
    add: (e) =>
      Number(
        insert.run(
          ctx.now(),
          e.runId ?? null,
          e.level ?? 'info',
          e.type,
          e.address ?? null,
          e.message,
          JSON.stringify(e.data ?? {}),
        ).lastInsertRowid,
      ),
    list: (f = {}) =>
      query.all(f.runId ?? null, f.runId ?? null, f.address ?? null, f.address ?? null, f.limit ?? 100).map(toEvent),
  };
}

export function certificatesApi(db: Database.Database, ctx: StoreContext): CertificatesApi {
  const upsert = db.prepare(
    `INSERT INTO certificates (name, serial, subject, issuer, not_before, not_after, renew_at, fingerprint, pem, status, updated_at)
     VALUES (@name, @serial, @subject, @issuer, @notBefore, @notAfter, @renewAt, @fingerprint, @pem, @status, @updatedAt)
     ON CONFLICT (name) DO UPDATE SET serial = excluded.serial, subject = excluded.subject, issuer = excluded.issuer,
       not_before = excluded.not_before, not_after = excluded.not_after, renew_at = excluded.renew_at,
       fingerprint = excluded.fingerprint, pem = excluded.pem, status = excluded.status, updated_at = excluded.updated_at`,
  );
  const get = db.prepare<[string], CertRow>('SELECT * FROM certificates WHERE name = ?');
  const all = db.prepare<[], CertRow>('SELECT * FROM certificates ORDER BY name');
  const due = db.prepare<[number], CertRow>(
    "SELECT * FROM certificates WHERE status != 'revoked' AND COALESCE(renew_at, not_after) <= ? ORDER BY name",
  );
  const remove = db.prepare('DELETE FROM certificates WHERE name = ?');
  return {
    put: (r) => {
      if (/PRIVATE KEY/.test(r.pem))
        throw new Error('certificate records hold public certificates only, never private keys');
      upsert.run({ ...r, renewAt: r.renewAt ?? null, updatedAt: ctx.now() });
    },
    get: (name) => {
      const row = get.get(name);
      return row ? toCert(row) : undefined;
    },
    list: () => all.all().map(toCert),
    due: (at) => due.all(at).map(toCert),
    remove: (name) => void remove.run(name),
  };
}
