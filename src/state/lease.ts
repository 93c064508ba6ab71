/**
 * One lease per environment: stops two applies (or an apply and a reconcile loop) from acting
 * on one environment at once. Acquisition is a single IMMEDIATE transaction, so two processes
 * racing on the same file cannot both win. A lease is taken over when it expired, or when its
 * holder was a process on this host that no longer exists (killed with -9).
 */
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { PhoenixError } from '../errors.ts';
import type { StoreContext } from './context.ts';
import type { LeaseInfo } from './types.ts';

interface LeaseRow {
  environment: string;
  holder_id: string;
  pid: number;
  hostname: string;
  acquired_at: number;
  expires_at: number;
}

function toInfo(r: LeaseRow): LeaseInfo {
  return {
    environment: r.environment,
    holderId: r.holder_id,
    pid: r.pid,
    hostname: r.hostname,
    acquiredAt: r.acquired_at,
    expiresAt: r.expires_at,
  };
}

/** Another live holder has the environment. Names the holder so the user knows whom to wait for. */
export class LeaseHeldError extends PhoenixError {
  readonly holder: LeaseInfo;
  constructor(holder: LeaseInfo) {
    super(
      `environment '${holder.environment}' is locked by ${holder.holderId} (pid ${holder.pid} on ${holder.hostname})`,
      {
        code: 'E_LEASE_HELD',
        detail: `held since ${new Date(holder.acquiredAt).toISOString()}, expires ${new Date(holder.expiresAt).toISOString()}`,
        hint: 'wait for the other apply to finish; if that process is gone, the lease is taken over once it expires',
      },
    );
    this.holder = holder;
  }
}

/** The lease was lost (expired and taken over by another holder) while we thought we held it. */
export class LeaseLostError extends PhoenixError {
  constructor(environment: string) {
    super(`lease on environment '${environment}' was lost`, {
      code: 'E_LEASE_LOST',
      hint: 'another process took over after the lease expired; re-run the command',
    });
  }
}

export interface Lease {
  readonly environment: string;
  readonly holderId: string;
  /** Pushes the expiry to now + ttl; throws LeaseLostError if someone else holds it now. */
  renew(): LeaseInfo;
  /** Releases the lease (no-op if it was already lost). */
  release(): void;
  /** Renews every `intervalMs` (default ttl/3) until released; the timer never keeps the process alive. */
  keepAlive(intervalMs?: number, onLost?: (error: LeaseLostError) => void): void;
}

export interface AcquireOptions {
  /** Lifetime without renewal (default 60 s). */
  ttlMs?: number;
  /** Human-readable holder name (default `phoenix@<host>:<pid>/<random>`). */
  holderId?: string;
}

export interface LeasesApi {
  acquire(environment: string, options?: AcquireOptions): Lease;
  get(environment: string): LeaseInfo | undefined;
}

export function leasesApi(db: Database.Database, ctx: StoreContext): LeasesApi {
  const select = db.prepare<[string], LeaseRow>('SELECT * FROM leases WHERE environment = ?');
  const upsert = db.prepare(
    `INSERT INTO leases (environment, holder_id, pid, hostname, acquired_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (environment) DO UPDATE SET holder_id = excluded.holder_id, pid = excluded.pid,
       hostname = excluded.hostname, acquired_at = excluded.acquired_at, expires_at = excluded.expires_at`,
  );
  const extend = db.prepare('UPDATE leases SET expires_at = ? WHERE environment = ? AND holder_id = ?');
  const remove = db.prepare('DELETE FROM leases WHERE environment = ? AND holder_id = ?');

  const tryAcquire = db.transaction((environment: string, holderId: string, ttlMs: number) => {
    const now = ctx.now();
    const row = select.get(environment);
    if (row && row.holder_id !== holderId && row.expires_at > now && ctx.isAlive(row.pid, row.hostname)) {
      throw new LeaseHeldError(toInfo(row));
    }
    upsert.run(environment, holderId, ctx.pid, ctx.hostname, now, now + ttlMs);
    return toInfo(select.get(environment)!);
  });

  return {
    get: (environment) => {
      const row = select.get(environment);
      return row ? toInfo(row) : undefined;
    },
    acquire: (environment, options = {}) => {
      const ttlMs = options.ttlMs ?? 60_000;
      const holderId = options.holderId ?? `phoenix@${ctx.hostname}:${ctx.pid}/${randomUUID().slice(0, 8)}`;
      // A plain read first: when a live holder has the lease, refuse without ever taking the
      // write lock, so a losing process never makes the holder's writes wait.
      const current = select.get(environment);
      if (current && current.expires_at > ctx.now() && ctx.isAlive(current.pid, current.hostname)) {
        throw new LeaseHeldError(toInfo(current));
      }
      try {
        tryAcquire.immediate(environment, holderId, ttlMs);
      } catch (error) {
        if ((error as { code?: unknown }).code === 'SQLITE_BUSY') {
          throw new PhoenixError(`state file is busy: could not take the lease on '${environment}'`, {
            code: 'E_STATE_BUSY',
            cause: error,
            hint: 'another Phoenix process is writing the state file; try again',
          });
        }
        throw error;
      }
      let timer: NodeJS.Timeout | undefined;
      const lease: Lease = {
        environment,
        holderId,
        renew: () => {
          const changed = extend.run(ctx.now() + ttlMs, environment, holderId).changes;
          if (changed === 0) throw new LeaseLostError(environment);
          return toInfo(select.get(environment)!);
        },
        release: () => {
          if (timer) clearInterval(timer);
          timer = undefined;
          remove.run(environment, holderId);
        },
        keepAlive: (intervalMs = Math.max(1, Math.floor(ttlMs / 3)), onLost) => {
          if (timer) clearInterval(timer);
          timer = setInterval(() => {
            try {
              lease.renew();
            } catch (error) {
              clearInterval(timer);
              timer = undefined;
              if (error instanceof LeaseLostError) onLost?.(error);
            }
          }, intervalMs);
          timer.unref();
        },
      };
      return lease;
    },
  };
}
