/**
 * What `phoenix serve` keeps in the state file: the history of reconcile runs (revision,
 * trigger, plan summary, per-resource outcome, errors), plans held for approval, API tokens
 * (only their SHA-256: a token is shown once and cannot be read back), and a little source
 * state (last good revision). Plain strings and JSON: no knowledge of the engine's types.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { StoreContext } from './context.ts';

/** `renewal`: a certificate record is past its renewal time (the PKI provider's plan renews it). */
export type GitopsTrigger = 'poll' | 'webhook' | 'api' | 'self-heal' | 'startup' | 'approve' | 'renewal';
export type GitopsOutcome =
  'running' | 'succeeded' | 'failed' | 'invalid' | 'held' | 'in-sync' | 'blocked' | 'interrupted' | 'rejected';

export interface GitopsRunRecord {
  id: string;
  environment: string;
  revision?: string;
  trigger: GitopsTrigger;
  startedAt: number;
  finishedAt?: number;
  outcome: GitopsOutcome;
  message?: string;
  /** Plan summary, e.g. `{ add, change, destroy, held }`. */
  summary: Record<string, unknown>;
  /** Per-resource outcome: `{ address, action, outcome, error? }`. */
  resources: { address: string; action?: string; outcome: string; error?: string }[];
  /** Located errors of an invalid revision (`file:line:col message`) or of a failed run. */
  errors: { message: string; file?: string; line?: number; column?: number; code?: string }[];
  applyRunId?: string;
}

export type HoldStatus = 'pending' | 'approved' | 'rejected' | 'superseded' | 'applied' | 'failed';

export interface HoldRecord {
  id: string;
  runId: string;
  revision?: string;
  /** `autoSync-off` (the whole plan) or `prune` (the deletions). */
  reason: string;
  status: HoldStatus;
  createdAt: number;
  decidedAt?: number;
  decidedBy?: string;
  summary: Record<string, unknown>;
  /** The plan as JSON (already free of secrets: the engine redacts sensitive attributes). */
  plan: unknown;
}

export type TokenScope = 'read' | 'operate';

export interface GitopsApi {
  runs: {
    start(input: { environment: string; revision?: string; trigger: GitopsTrigger }): GitopsRunRecord;
    update(id: string, patch: Partial<Omit<GitopsRunRecord, 'id' | 'environment' | 'startedAt'>>): void;
    get(id: string): GitopsRunRecord | undefined;
    list(limit?: number): GitopsRunRecord[];
    /** Runs left `running` by a process that is gone (kill -9): marked `interrupted`. */
    interruptStale(): GitopsRunRecord[];
    /** Keeps the newest `keep` runs; older runs and their events are deleted. Returns how many went. */
    retain(keep: number): number;
  };
  holds: {
    create(input: Omit<HoldRecord, 'id' | 'status' | 'createdAt'>): HoldRecord;
    get(id: string): HoldRecord | undefined;
    list(status?: HoldStatus): HoldRecord[];
    /** Moves a pending hold on; false when it was no longer pending (decided by someone else). */
    decide(id: string, status: Exclude<HoldStatus, 'pending'>, by?: string): boolean;
  };
  tokens: {
    /** Returns the token text: the only time it exists outside the caller. */
    create(scope: TokenScope, name?: string): { id: string; token: string };
    verify(token: string): { id: string; scope: TokenScope } | undefined;
    count(): number;
  };
  kv: { get(key: string): string | undefined; set(key: string, value: string): void };
}

interface RunRow {
  id: string;
  environment: string;
  revision: string | null;
  trigger: GitopsTrigger;
  started_at: number;
  finished_at: number | null;
  outcome: GitopsOutcome;
  message: string | null;
  summary: string;
  resources: string;
  errors: string;
  apply_run_id: string | null;
  pid: number;
}

interface HoldRow {
  id: string;
  run_id: string;
  revision: string | null;
  reason: string;
  status: HoldStatus;
  created_at: number;
  decided_at: number | null;
  decided_by: string | null;
  summary: string;
  plan: string;
}

function toRun(r: RunRow): GitopsRunRecord {
  return {
    id: r.id,
    environment: r.environment,
    trigger: r.trigger,
    startedAt: r.started_at,
    outcome: r.outcome,
    summary: JSON.parse(r.summary) as GitopsRunRecord['summary'],
    resources: JSON.parse(r.resources) as GitopsRunRecord['resources'],
    errors: JSON.parse(r.errors) as GitopsRunRecord['errors'],
    ...(r.revision === null ? {} : { revision: r.revision }),
    ...(r.finished_at === null ? {} : { finishedAt: r.finished_at }),
    ...(r.message === null ? {} : { message: r.message }),
    ...(r.apply_run_id === null ? {} : { applyRunId: r.apply_run_id }),
  };
}

function toHold(r: HoldRow): HoldRecord {
  return {
    id: r.id,
    runId: r.run_id,
    reason: r.reason,
    status: r.status,
    createdAt: r.created_at,
    summary: JSON.parse(r.summary) as HoldRecord['summary'],
    plan: JSON.parse(r.plan) as unknown,
    ...(r.revision === null ? {} : { revision: r.revision }),
    ...(r.decided_at === null ? {} : { decidedAt: r.decided_at }),
    ...(r.decided_by === null ? {} : { decidedBy: r.decided_by }),
  };
}

/** SHA-256 of a token: tokens are 256 random bits, so a fast hash is enough (no brute force). */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function gitopsApi(db: Database.Database, ctx: StoreContext): GitopsApi {
  const insertRun = db.prepare(
    "INSERT INTO gitops_runs (id, environment, revision, trigger, started_at, outcome, pid) VALUES (?, ?, ?, ?, ?, 'running', ?)",
  );
  const getRun = db.prepare<[string], RunRow>('SELECT * FROM gitops_runs WHERE id = ?');
  const listRuns = db.prepare<[number], RunRow>(
    'SELECT * FROM gitops_runs ORDER BY started_at DESC, rowid DESC LIMIT ?',
  );
  const running = db.prepare<[], RunRow>("SELECT * FROM gitops_runs WHERE outcome = 'running'");
  const insertHold = db.prepare(
    "INSERT INTO gitops_holds (id, run_id, revision, reason, status, created_at, summary, plan) VALUES (?, ?, ?, ?, 'pending', ?, ?, ?)",
  );
  const getHold = db.prepare<[string], HoldRow>('SELECT * FROM gitops_holds WHERE id = ?');
  const listHolds = db.prepare<[string | null, string | null], HoldRow>(
    'SELECT * FROM gitops_holds WHERE (? IS NULL OR status = ?) ORDER BY created_at DESC, rowid DESC LIMIT 200',
  );
  const decideHold = db.prepare(
    "UPDATE gitops_holds SET status = ?, decided_at = ?, decided_by = ? WHERE id = ? AND status IN ('pending', 'approved')",
  );
  const insertToken = db.prepare('INSERT INTO api_tokens (id, hash, scope, name, created_at) VALUES (?, ?, ?, ?, ?)');
  const tokenByHash = db.prepare<[string], { id: string; scope: TokenScope }>(
    'SELECT id, scope FROM api_tokens WHERE hash = ?',
  );
  const touchToken = db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE id = ?');
  const countTokens = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM api_tokens');
  const getKv = db.prepare<[string], { value: string }>('SELECT value FROM gitops_kv WHERE key = ?');
  const setKv = db.prepare(
    'INSERT INTO gitops_kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  );
  const retain = db.transaction((keep: number) => {
    const old = db
      .prepare<[number], { id: string }>(
        "SELECT id FROM gitops_runs WHERE outcome != 'running' ORDER BY started_at DESC, rowid DESC LIMIT -1 OFFSET ?",
      )
      .all(keep);
    const delEvents = db.prepare('DELETE FROM events WHERE run_id = ?');
    const delRun = db.prepare('DELETE FROM gitops_runs WHERE id = ?');
    const delHolds = db.prepare("DELETE FROM gitops_holds WHERE run_id = ? AND status != 'pending'");
    for (const { id } of old) {
      delEvents.run(id);
      delHolds.run(id);
      delRun.run(id);
    }
    return old.length;
  });

  const columns: Record<string, string> = {
    revision: 'revision',
    trigger: 'trigger',
    finishedAt: 'finished_at',
    outcome: 'outcome',
    message: 'message',
    summary: 'summary',
    resources: 'resources',
    errors: 'errors',
    applyRunId: 'apply_run_id',
  };
  return {
    runs: {
      start: ({ environment, revision, trigger }) => {
        const id = randomUUID();
        insertRun.run(id, environment, revision ?? null, trigger, ctx.now(), ctx.pid);
        return toRun(getRun.get(id)!);
      },
      update: (id, patch) => {
        const sets: string[] = [];
        const values: unknown[] = [];
        for (const [key, value] of Object.entries(patch)) {
          const column = columns[key];
          if (!column || value === undefined) continue;
          sets.push(`${column} = ?`);
          values.push(typeof value === 'object' && value !== null ? JSON.stringify(value) : value);
        }
        if (sets.length > 0) db.prepare(`UPDATE gitops_runs SET ${sets.join(', ')} WHERE id = ?`).run(...values, id);
      },
      get: (id) => {
        const row = getRun.get(id);
        return row ? toRun(row) : undefined;
      },
      list: (limit = 50) => listRuns.all(limit).map(toRun),
      interruptStale: () => {
        const stale = running.all().filter((r) => r.pid !== ctx.pid && !ctx.isAlive(r.pid, ctx.hostname));
        const mark = db.prepare(
          "UPDATE gitops_runs SET outcome = 'interrupted', finished_at = ?, message = ? WHERE id = ? AND outcome = 'running'",
        );
        for (const r of stale) mark.run(ctx.now(), 'the daemon stopped during this run', r.id);
        return stale.map((r) => ({ ...toRun(r), outcome: 'interrupted' as const }));
      },
      retain: (keep) => retain.immediate(keep),
    },
    holds: {
      create: (input) => {
        const id = randomUUID().slice(0, 8);
        insertHold.run(
          id,
          input.runId,
          input.revision ?? null,
          input.reason,
          ctx.now(),
          JSON.stringify(input.summary),
          JSON.stringify(input.plan),
        );
        return toHold(getHold.get(id)!);
      },
      get: (id) => {
        const row = getHold.get(id);
        return row ? toHold(row) : undefined;
      },
      list: (status) => listHolds.all(status ?? null, status ?? null).map(toHold),
      decide: (id, status, by) => decideHold.run(status, ctx.now(), by ?? null, id).changes > 0,
    },
    tokens: {
      create: (scope, name) => {
        const token = `phx_${randomBytes(32).toString('base64url')}`;
        const id = randomUUID().slice(0, 8);
        insertToken.run(id, tokenHash(token), scope, name ?? null, ctx.now());
        return { id, token };
      },
      verify: (token) => {
        const row = tokenByHash.get(tokenHash(token));
        if (!row) return undefined;
        touchToken.run(ctx.now(), row.id);
        return { id: row.id, scope: row.scope };
      },
      count: () => countTokens.get()?.n ?? 0,
    },
    kv: {
      get: (key) => getKv.get(key)?.value,
      set: (key, value) => void setKv.run(key, value),
    },
  };
}
