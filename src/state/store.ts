/**
 * `openStateStore(path)`: the local SQLite state file (history, journal, leases, certificate
 * records). It is never the only copy of the truth (ARCHITECTURE principle 1): it records what
 * Phoenix did and was doing, so an interrupted apply can be found and finished.
 *
 * WAL mode lets readers (status, dashboard) run beside an apply; `synchronous=FULL` makes each
 * journal write durable before the mutating call it announces is sent; `busy_timeout` makes
 * concurrent processes wait for each other instead of failing with SQLITE_BUSY.
 */
import { ownerOnlyDir, ownerOnlyFile } from '../util/owner-only.ts';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { PhoenixError } from '../errors.ts';
import { defaultContext, type StoreContext } from './context.ts';
import { leasesApi, type LeasesApi } from './lease.ts';
import { migrate } from './migrations.ts';
import { certificatesApi, eventsApi, type CertificatesApi, type EventsApi } from './records.ts';
import { journalApi, runsApi, type JournalApi, type RunsApi } from './runs.ts';
import { gitopsApi, type GitopsApi } from './gitops.ts';
import { taskDurationsApi, type TaskDurationsApi } from './task-durations.ts';
import { secretsApi, type SecretsApi } from './secrets.ts';

export interface StateStore {
  readonly path: string;
  readonly runs: RunsApi;
  readonly journal: JournalApi;
  readonly leases: LeasesApi;
  readonly events: EventsApi;
  readonly certificates: CertificatesApi;
  /** `phoenix serve`: reconcile history, held plans, API tokens. */
  readonly gitops: GitopsApi;
  /** Expected PVE task durations, learned per target (issue 15). */
  readonly taskDurations: TaskDurationsApi;
  /** Secrets Phoenix received (encrypted; the key is passed in, never stored here). */
  readonly secrets: SecretsApi;
  /** `PRAGMA integrity_check` result: `ok` when the file is sound. */
  integrityCheck(): string;
  close(): void;
}

export interface OpenStateOptions {
  /** How long a writer waits for another process's write lock (default 5 s). */
  busyTimeoutMs?: number;
  /** Clock and process identity (tests). */
  context?: Partial<StoreContext>;
}

export function openStateStore(path: string, options: OpenStateOptions = {}): StateStore {
  let db: Database.Database;
  try {
    if (path !== ':memory:') {
      // Owner-only before SQLite opens it: the -wal and -shm files take the database's mode.
      ownerOnlyDir(dirname(path));
      ownerOnlyFile(path);
    }
    db = new Database(path, { timeout: options.busyTimeoutMs ?? 5_000 });
  } catch (cause) {
    throw new PhoenixError(`cannot open state file ${path}`, {
      code: 'E_STATE_OPEN',
      cause,
      hint: 'check that the directory is writable',
    });
  }
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5_000}`);
    migrate(db, path);
  } catch (error) {
    db.close();
    if (error instanceof PhoenixError) throw error;
    throw new PhoenixError(`state file ${path} is not usable`, {
      code: 'E_STATE_OPEN',
      cause: error,
      hint: 'is it a Phoenix state file? move it aside to start fresh',
    });
  }
  const ctx = defaultContext(options.context);
  return {
    path,
    runs: runsApi(db, ctx),
    journal: journalApi(db, ctx),
    leases: leasesApi(db, ctx),
    events: eventsApi(db, ctx),
    certificates: certificatesApi(db, ctx),
    gitops: gitopsApi(db, ctx),
    taskDurations: taskDurationsApi(db, ctx),
    secrets: secretsApi(db, ctx),
    integrityCheck: () => String(db.pragma('integrity_check', { simple: true })),
    close: () => {
      if (db.open) db.close();
    },
  };
}
