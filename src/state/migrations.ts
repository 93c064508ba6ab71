/**
 * Schema migrations, applied in order; `PRAGMA user_version` records how many ran. Append new
 * steps, never edit old ones: files written by older Phoenix versions must keep opening.
 */
import type Database from 'better-sqlite3';
import { PhoenixError } from '../errors.ts';

export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE runs (
     id TEXT PRIMARY KEY,
     environment TEXT NOT NULL,
     started_at INTEGER NOT NULL,
     finished_at INTEGER,
     outcome TEXT NOT NULL CHECK (outcome IN ('running','succeeded','failed','interrupted')),
     plan_hash TEXT,
     pid INTEGER NOT NULL,
     hostname TEXT NOT NULL
   );
   CREATE INDEX runs_env_started ON runs (environment, started_at);
   CREATE TABLE journal (
     run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
     step_id TEXT NOT NULL,
     address TEXT NOT NULL,
     action TEXT NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('pending','started','succeeded','failed')),
     details TEXT NOT NULL DEFAULT '{}',
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     PRIMARY KEY (run_id, step_id)
   );
   CREATE INDEX journal_address ON journal (address);
   CREATE TABLE leases (
     environment TEXT PRIMARY KEY,
     holder_id TEXT NOT NULL,
     pid INTEGER NOT NULL,
     hostname TEXT NOT NULL,
     acquired_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL
   );
   CREATE TABLE events (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     at INTEGER NOT NULL,
     run_id TEXT,
     level TEXT NOT NULL,
     type TEXT NOT NULL,
     address TEXT,
     message TEXT NOT NULL,
     data TEXT NOT NULL DEFAULT '{}'
   );
   CREATE INDEX events_run ON events (run_id);
   CREATE TABLE certificates (
     name TEXT PRIMARY KEY,
     serial TEXT NOT NULL,
     subject TEXT NOT NULL,
     issuer TEXT NOT NULL,
     not_before INTEGER NOT NULL,
     not_after INTEGER NOT NULL,
     renew_at INTEGER,
     fingerprint TEXT NOT NULL,
     pem TEXT NOT NULL,
     status TEXT NOT NULL,
     updated_at INTEGER NOT NULL
   );`,
  // phoenix serve (gitops): reconcile history, held plans, API tokens (hashed), source state.
  `CREATE TABLE gitops_runs (
     id TEXT PRIMARY KEY,
     environment TEXT NOT NULL,
     revision TEXT,
     trigger TEXT NOT NULL,
     started_at INTEGER NOT NULL,
     finished_at INTEGER,
     outcome TEXT NOT NULL,
     message TEXT,
     summary TEXT NOT NULL DEFAULT '{}',
     resources TEXT NOT NULL DEFAULT '[]',
     errors TEXT NOT NULL DEFAULT '[]',
     apply_run_id TEXT,
     pid INTEGER NOT NULL
   );
   CREATE INDEX gitops_runs_started ON gitops_runs (started_at);
   CREATE TABLE gitops_holds (
     id TEXT PRIMARY KEY,
     run_id TEXT NOT NULL,
     revision TEXT,
     reason TEXT NOT NULL,
     status TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     decided_at INTEGER,
     decided_by TEXT,
     summary TEXT NOT NULL DEFAULT '{}',
     plan TEXT NOT NULL
   );
   CREATE TABLE api_tokens (
     id TEXT PRIMARY KEY,
     hash TEXT NOT NULL UNIQUE,
     scope TEXT NOT NULL CHECK (scope IN ('read','operate')),
     name TEXT,
     created_at INTEGER NOT NULL,
     last_used_at INTEGER
   );
   CREATE TABLE gitops_kv (
     key TEXT PRIMARY KEY,
     value TEXT NOT NULL
   );`,
  // Issue 15: expected PVE task durations per target and task type, learned from the tasks waited for.
  `CREATE TABLE task_durations (
     environment TEXT NOT NULL,
     type TEXT NOT NULL,
     samples INTEGER NOT NULL,
     mean_ms INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     PRIMARY KEY (environment, type)
   );`,
  // Secrets Phoenix itself received (a Portainer API key): AES-256-GCM, the key outside the file.
  `CREATE TABLE secrets (
     environment TEXT NOT NULL,
     name TEXT NOT NULL,
     nonce BLOB NOT NULL,
     ciphertext BLOB NOT NULL,
     tag BLOB NOT NULL,
     updated_at INTEGER NOT NULL,
     PRIMARY KEY (environment, name)
   );`,
];

/** Brings the file up to the newest schema; refuses files written by a newer Phoenix. */
export function migrate(db: Database.Database, path: string): void {
  // Read the version inside the write transaction: two processes opening a fresh file at the
  // same time must not both run the first migration.
  const apply = db.transaction(() => {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > MIGRATIONS.length) {
      throw new PhoenixError(`state file ${path} was written by a newer Phoenix (schema ${current})`, {
        code: 'E_STATE_VERSION',
        hint: 'upgrade Phoenix, or point --state at another file',
      });
    }
    for (let v = current; v < MIGRATIONS.length; v++) {
      db.exec(MIGRATIONS[v] ?? '');
      db.pragma(`user_version = ${v + 1}`);
    }
  });
  // Up to date (the common case): read only, so opening the file never takes the write lock.
  if ((db.pragma('user_version', { simple: true }) as number) === MIGRATIONS.length) return;
  apply.immediate();
}
