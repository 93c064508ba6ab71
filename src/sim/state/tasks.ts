/**
 * Tasks (spec §4): UPIDs, worker lifecycle, logs, exit status and stop. A handler does its
 * synchronous checks, then `start()` returns the UPID at once while the worker runs on the
 * simulator clock; the log always ends with `TASK OK` / `TASK WARNINGS: n` / `TASK ERROR: …`.
 */
import type { SimClock } from './clock.ts';
import type { SimRandom } from './rng.ts';

export interface TaskRecord {
  upid: string;
  node: string;
  pid: number;
  pstart: number;
  starttime: number;
  type: string;
  id: string;
  /** `user@realm` or `user@realm!tokenid`, as in the UPID. */
  user: string;
  status: 'running' | 'stopped';
  exitstatus?: string;
  endtime?: number;
  log: string[];
}

export interface TaskContext {
  log(line: string): void;
  warn(line: string): void;
  /** Waits `realisticMs` × speed factor on the simulator clock; throws if the task was stopped. */
  sleep(realisticMs: number): Promise<void>;
  readonly signal: AbortSignal;
}

export interface TaskStart {
  node: string;
  type: string;
  id: string;
  user: string;
  run: (ctx: TaskContext) => Promise<void>;
  /** Undo partial state when the worker fails (e.g. unlink the half-created config). */
  onError?: (error: Error) => void;
  /** Always runs last (release locks). */
  onFinally?: () => void;
}

function hex8(n: number): string {
  return n.toString(16).toUpperCase().padStart(8, '0');
}

export function encodeUpid(
  t: Pick<TaskRecord, 'node' | 'pid' | 'pstart' | 'starttime' | 'type' | 'id' | 'user'>,
): string {
  return `UPID:${t.node}:${hex8(t.pid)}:${hex8(t.pstart)}:${hex8(t.starttime)}:${t.type}:${t.id}:${t.user}:`;
}

const UPID_RE =
  /^UPID:([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s/]+):([^:\s/]*):([^:\s/]+):$/;

export function isUpid(text: string): boolean {
  return UPID_RE.test(text);
}

export class TaskRegistry {
  private readonly tasks = new Map<string, TaskRecord>();
  private readonly running = new Map<string, AbortController>();
  private readonly waiters = new Map<string, (() => void)[]>();

  constructor(
    private readonly clock: SimClock,
    private readonly random: SimRandom,
    private readonly speed: number,
    private readonly bootTimeMs: number,
    private readonly taskFailure: (type: string, node: string) => string | undefined,
  ) {}

  start(spec: TaskStart): string {
    const now = this.clock.now();
    const record: TaskRecord = {
      upid: '',
      node: spec.node,
      pid: this.random.int(1000, 4_000_000),
      // Clock ticks (100 Hz) since the node booted.
      pstart: Math.floor((now - this.bootTimeMs) / 10),
      starttime: Math.floor(now / 1000),
      type: spec.type,
      id: spec.id,
      user: spec.user,
      status: 'running',
      log: [],
    };
    record.upid = encodeUpid(record);
    while (this.tasks.has(record.upid)) {
      record.pid++;
      record.upid = encodeUpid(record);
    }
    this.tasks.set(record.upid, record);
    const abort = new AbortController();
    this.running.set(record.upid, abort);
    let warnings = 0;
    const ctx: TaskContext = {
      signal: abort.signal,
      log: (line) => void record.log.push(line),
      warn: (line) => {
        warnings++;
        record.log.push(`WARN: ${line}`);
      },
      sleep: (ms) => this.sleep(ms, abort.signal),
    };
    const injected = this.taskFailure(spec.type, spec.node);
    const work = injected
      ? ctx.sleep(500).then(() => {
          throw new Error(injected);
        })
      : spec.run(ctx);
    void work.then(
      () => {
        this.runFinally(spec);
        this.finish(record, warnings > 0 ? `WARNINGS: ${warnings}` : 'OK');
      },
      (error: unknown) => {
        const err = error instanceof Error ? error : new Error(String(error));
        try {
          spec.onError?.(err);
        } finally {
          this.runFinally(spec);
          this.finish(record, err.message.replace(/\s*\n\s*/g, ' ').trim());
        }
      },
    );
    return record.upid;
  }

  /** Locks are released before the task reads as stopped, as a real worker exits. */
  private runFinally(spec: TaskStart): void {
    try {
      spec.onFinally?.();
    } catch {
      /* cleanup must never keep a task from finishing */
    }
  }

  private finish(record: TaskRecord, exitstatus: string): void {
    record.log.push(
      exitstatus === 'OK'
        ? 'TASK OK'
        : exitstatus.startsWith('WARNINGS: ')
          ? `TASK ${exitstatus}`
          : `TASK ERROR: ${exitstatus}`,
    );
    record.status = 'stopped';
    record.exitstatus = exitstatus;
    record.endtime = Math.floor(this.clock.now() / 1000);
    this.running.delete(record.upid);
    for (const w of this.waiters.get(record.upid) ?? []) w();
    this.waiters.delete(record.upid);
  }

  private sleep(realisticMs: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(new Error('interrupted by signal'));
      const handle = this.clock.schedule(realisticMs * this.speed, () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
      const onAbort = (): void => {
        this.clock.clear(handle);
        reject(new Error('interrupted by signal'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  get(upid: string): TaskRecord | undefined {
    return this.tasks.get(upid);
  }

  list(): TaskRecord[] {
    return [...this.tasks.values()];
  }

  /** `DELETE /nodes/{node}/tasks/{upid}`: the worker gets a signal and ends with a task error. */
  stop(upid: string): void {
    this.running.get(upid)?.abort();
  }

  /** Resolves once the task has finished (immediately if it already has). */
  wait(upid: string): Promise<TaskRecord | undefined> {
    const record = this.tasks.get(upid);
    if (!record || record.status === 'stopped') return Promise.resolve(record);
    return new Promise((resolve) => {
      const list = this.waiters.get(upid) ?? [];
      list.push(() => resolve(record));
      this.waiters.set(upid, list);
    });
  }

  /** Persisted form: finished tasks only (running workers do not survive a restart). */
  toJSON(): TaskRecord[] {
    return this.list().filter((t) => t.status === 'stopped');
  }

  restore(records: TaskRecord[]): void {
    for (const r of records) this.tasks.set(r.upid, r);
  }

  close(): void {
    for (const abort of this.running.values()) abort.abort();
  }
}
