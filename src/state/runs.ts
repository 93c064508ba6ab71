/** Apply runs and their journal. */
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { PhoenixError } from '../errors.ts';
import type { JournalEntry, RunOutcome, RunRecord, StepStatus } from './types.ts';
import type { StoreContext } from './context.ts';

interface RunRow {
  id: string;
  environment: string;
  started_at: number;
  finished_at: number | null;
  outcome: RunOutcome;
  plan_hash: string | null;
  pid: number;
  hostname: string;
}

interface JournalRow {
  run_id: string;
  step_id: string;
  address: string;
  action: string;
  status: StepStatus;
  details: string;
  created_at: number;
  updated_at: number;
}

function toRun(r: RunRow): RunRecord {
  return {
    id: r.id,
    environment: r.environment,
    startedAt: r.started_at,
    outcome: r.outcome,
    pid: r.pid,
    hostname: r.hostname,
    ...(r.finished_at === null ? {} : { finishedAt: r.finished_at }),
    ...(r.plan_hash === null ? {} : { planHash: r.plan_hash }),
  };
}

function toEntry(r: JournalRow): JournalEntry {
  return {
    runId: r.run_id,
    stepId: r.step_id,
    address: r.address,
    action: r.action,
    status: r.status,
    details: JSON.parse(r.details) as Record<string, unknown>,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export interface RunsApi {
  start(input: { environment: string; planHash?: string }): RunRecord;
  finish(runId: string, outcome: Exclude<RunOutcome, 'running'>): void;
  get(runId: string): RunRecord | undefined;
  list(environment: string, limit?: number): RunRecord[];
  /**
   * Marks runs of the environment still `running` but not of this process as `interrupted`
   * and returns them. Only call while holding the environment's lease: the lease is what
   * proves that no other apply of this environment is alive.
   */
  recoverInterrupted(environment: string): RunRecord[];
}

export interface JournalApi {
  /** Records a planned step (before anything is sent). Idempotent per (run, step). */
  plan(
    runId: string,
    step: { stepId: string; address: string; action: string; details?: Record<string, unknown> },
  ): void;
  /** Marks the step as in flight; call BEFORE the mutating request. */
  start(runId: string, stepId: string, details?: Record<string, unknown>): void;
  /** Merges details into the step (e.g. the UPID as soon as the POST returned it). */
  note(runId: string, stepId: string, details: Record<string, unknown>): void;
  succeed(runId: string, stepId: string, details?: Record<string, unknown>): void;
  fail(runId: string, stepId: string, details?: Record<string, unknown>): void;
  entries(runId: string): JournalEntry[];
  /** Steps left `started` by runs that did not finish: operations whose outcome is unknown. */
  inFlight(environment: string): JournalEntry[];
  /** Last journal entry per address, any run of the environment (for "what happened to X"). */
  lastFor(environment: string, address: string): JournalEntry | undefined;
}

export function runsApi(db: Database.Database, ctx: StoreContext): RunsApi {
  const insert = db.prepare(
    'INSERT INTO runs (id, environment, started_at, outcome, plan_hash, pid, hostname) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const finish = db.prepare("UPDATE runs SET outcome = ?, finished_at = ? WHERE id = ? AND outcome = 'running'");
  const get = db.prepare<[string], RunRow>('SELECT * FROM runs WHERE id = ?');
  const list = db.prepare<[string, number], RunRow>(
    'SELECT * FROM runs WHERE environment = ? ORDER BY started_at DESC, rowid DESC LIMIT ?',
  );
  const running = db.prepare<[string], RunRow>("SELECT * FROM runs WHERE environment = ? AND outcome = 'running'");
  const leaseOf = db.prepare<[string], { pid: number; hostname: string; expires_at: number; holder_id: string }>(
    'SELECT pid, hostname, expires_at, holder_id FROM leases WHERE environment = ?',
  );
  const recover = db.transaction((environment: string) => {
    // Only the lease holder may declare other runs dead: refuse when someone else holds it.
    const lease = leaseOf.get(environment);
    if (!lease || lease.pid !== ctx.pid || lease.hostname !== ctx.hostname || lease.expires_at <= ctx.now()) {
      throw new PhoenixError(`cannot recover runs of '${environment}' without holding its lease`, {
        code: 'E_LEASE_REQUIRED',
        hint: 'acquire the environment lease first (store.leases.acquire)',
      });
    }
    const stale = running.all(environment).filter((r) => r.pid !== ctx.pid || r.hostname !== ctx.hostname);
    for (const r of stale) finish.run('interrupted', ctx.now(), r.id);
    return stale.map((r) => ({ ...toRun(r), outcome: 'interrupted' as const }));
  });
  return {
    start: ({ environment, planHash }) => {
      const run: RunRecord = {
        id: randomUUID(),
        environment,
        startedAt: ctx.now(),
        outcome: 'running',
        pid: ctx.pid,
        hostname: ctx.hostname,
        ...(planHash ? { planHash } : {}),
      };
      insert.run(run.id, environment, run.startedAt, 'running', planHash ?? null, ctx.pid, ctx.hostname);
      return run;
    },
    finish: (runId, outcome) => void finish.run(outcome, ctx.now(), runId),
    get: (runId) => {
      const row = get.get(runId);
      return row ? toRun(row) : undefined;
    },
    list: (environment, limit = 20) => list.all(environment, limit).map(toRun),
    recoverInterrupted: (environment) => recover.immediate(environment),
  };
}

export function journalApi(db: Database.Database, ctx: StoreContext): JournalApi {
  const insert = db.prepare(
    "INSERT OR IGNORE INTO journal (run_id, step_id, address, action, status, details, created_at, updated_at) VALUES (?, ?, ?, ?, 'pending', ?, ?, ?)",
  );
  const getOne = db.prepare<[string, string], JournalRow>('SELECT * FROM journal WHERE run_id = ? AND step_id = ?');
  const update = db.prepare(
    'UPDATE journal SET status = ?, details = ?, updated_at = ? WHERE run_id = ? AND step_id = ?',
  );
  const byRun = db.prepare<[string], JournalRow>('SELECT * FROM journal WHERE run_id = ? ORDER BY created_at, rowid');
  const inFlight = db.prepare<[string], JournalRow>(
    `SELECT j.* FROM journal j JOIN runs r ON r.id = j.run_id
     WHERE r.environment = ? AND r.outcome != 'running' AND j.status = 'started' ORDER BY j.updated_at`,
  );
  const last = db.prepare<[string, string], JournalRow>(
    `SELECT j.* FROM journal j JOIN runs r ON r.id = j.run_id WHERE r.environment = ? AND j.address = ?
     ORDER BY j.updated_at DESC, j.rowid DESC LIMIT 1`,
  );
  const transition = db.transaction(
    (runId: string, stepId: string, status: StepStatus | undefined, details: Record<string, unknown>) => {
      const row = getOne.get(runId, stepId);
      if (!row) throw new Error(`journal step ${stepId} of run ${runId} was never planned`);
      const merged = { ...(JSON.parse(row.details) as Record<string, unknown>), ...details };
      update.run(status ?? row.status, JSON.stringify(merged), ctx.now(), runId, stepId);
    },
  );
  return {
    plan: (runId, step) => {
      const t = ctx.now();
      insert.run(runId, step.stepId, step.address, step.action, JSON.stringify(step.details ?? {}), t, t);
    },
    // IMMEDIATE: a read-then-write (deferred) transaction cannot wait for another process's
    // write lock (SQLite answers SQLITE_BUSY at once, whatever the busy timeout), so a second
    // Phoenix merely opening the file would fail the apply holding the lease.
    start: (runId, stepId, details = {}) => transition.immediate(runId, stepId, 'started', details),
    note: (runId, stepId, details) => transition.immediate(runId, stepId, undefined, details),
    succeed: (runId, stepId, details = {}) => transition.immediate(runId, stepId, 'succeeded', details),
    fail: (runId, stepId, details = {}) => transition.immediate(runId, stepId, 'failed', details),
    entries: (runId) => byRun.all(runId).map(toEntry),
    inFlight: (environment) => inFlight.all(environment).map(toEntry),
    lastFor: (environment, address) => {
      const row = last.get(environment, address);
      return row ? toEntry(row) : undefined;
    },
  };
}
