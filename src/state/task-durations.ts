/**
 * How long PVE tasks took, per target and task type (a running mean and its sample count), so the
 * next apply polls each task near its expected end (src/clients/proxmox/task-times.ts).
 */
import type Database from 'better-sqlite3';
import type { StoreContext } from './context.ts';

export interface TaskDurationsApi {
  /** Learned means of one target (the environment: an endpoint), by task type. */
  load(environment: string): Record<string, { samples: number; meanMs: number }>;
  record(environment: string, type: string, meanMs: number, samples: number): void;
}

interface Row {
  type: string;
  samples: number;
  mean_ms: number;
}

export function taskDurationsApi(db: Database.Database, ctx: StoreContext): TaskDurationsApi {
  const select = db.prepare<[string], Row>('SELECT type, samples, mean_ms FROM task_durations WHERE environment = ?');
  const upsert = db.prepare(
    `INSERT INTO task_durations (environment, type, samples, mean_ms, updated_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (environment, type) DO UPDATE SET samples = excluded.samples, mean_ms = excluded.mean_ms,
       updated_at = excluded.updated_at`,
  );
  return {
    load: (environment) =>
      Object.fromEntries(select.all(environment).map((r) => [r.type, { samples: r.samples, meanMs: r.mean_ms }])),
    record: (environment, type, meanMs, samples) => {
      upsert.run(environment, type, samples, Math.round(meanMs), ctx.now());
    },
  };
}
