/**
 * Waiting for PVE tasks (spec §4). A UPID only says a worker was forked: success is known from
 * `exitstatus` once `status` is `stopped`. Polls are timed by the task's expected duration
 * (`TaskTimes`, learned per task type): the first near its expected end, then a bounded backoff,
 * never more than one poll per second per task (`nextPollDelay`).
 */
import { apiPath } from './encode.ts';
import { ProxmoxApiError, ProxmoxTaskError } from './errors.ts';
import type { ProxmoxTransport, TaskStatus } from './types.ts';
import { nextPollDelay, type TaskTimes } from './task-times.ts';
import { parseUpid } from './upid.ts';

export interface WaitForTaskOptions {
  /** Give up after this long (default 10 min); throws ProxmoxTaskError with exitstatus `timeout`. */
  timeoutMs?: number;
  onProgress?: (status: TaskStatus, elapsedMs: number) => void;
  /** Lines of the task log kept on failure (default 20). */
  logLines?: number;
  resource?: string;
  signal?: AbortSignal;
  /**
   * The task's type for its expected duration, when the UPID's is not precise enough
   * (`qmclone:full` and `qmclone:linked` differ tenfold). Default: the UPID's type.
   */
  taskType?: string;
  /** Expected durations (learned); the client passes its own. */
  times?: TaskTimes;
}

export interface TaskClock {
  sleep: (ms: number) => Promise<void>;
  now: () => number;
}

/** Right after a fork the status endpoint may not know the UPID yet (bpg tolerates this too). */
const NO_SUCH_TASK_TOLERANCE = 5;

/** `OK` and `WARNINGS: n` are successes (the task's work was done). */
export function isTaskSuccess(exitstatus: string | undefined): boolean {
  return exitstatus === 'OK' || /^WARNINGS: \d+$/.test(exitstatus ?? '');
}

/** Last `lines` lines of a task log; never throws (it only decorates an error). */
export async function taskLogTail(
  transport: ProxmoxTransport,
  node: string,
  upid: string,
  lines: number,
): Promise<string[]> {
  try {
    const base = apiPath`/nodes/${node}/tasks/${upid}/log`;
    // `total` sits outside `data`, which the transport drops, so read the log in one request.
    const all = await transport.request<{ n: number; t: string }[]>('GET', base, { start: 0, limit: 50_000 });
    return (all ?? []).slice(-lines).map((l) => l.t);
  } catch {
    return [];
  }
}

export async function waitForTask(
  transport: ProxmoxTransport,
  clock: TaskClock,
  node: string,
  upid: string,
  options: WaitForTaskOptions = {},
): Promise<TaskStatus> {
  const timeoutMs = options.timeoutMs ?? 600_000;
  const started = clock.now();
  const taskNode = parseUpid(upid)?.node ?? node;
  const path = apiPath`/nodes/${taskNode}/tasks/${upid}/status`;
  const type = options.taskType ?? parseUpid(upid)?.type ?? 'unknown';
  const expected = options.times?.expectedMs(type);
  const known = options.times?.isKnown(type) ?? false;
  let unknown = 0;
  let overdue = 0;
  let previous = 0;
  for (let polls = 0; ; polls++) {
    const elapsedBefore = clock.now() - started;
    const delay = nextPollDelay(polls, elapsedBefore, expected, overdue, known);
    if (elapsedBefore + delay > timeoutMs) {
      const logTail = await taskLogTail(transport, taskNode, upid, options.logLines ?? 20);
      throw new ProxmoxTaskError({ upid, node: taskNode, exitstatus: 'timeout', logTail, resource: options.resource });
    }
    if (options.signal?.aborted) throw options.signal.reason;
    await clock.sleep(delay);
    if (options.signal?.aborted) throw options.signal.reason;
    let status: TaskStatus | undefined;
    try {
      status = await transport.request<TaskStatus>('GET', path, undefined, {
        resource: options.resource,
        signal: options.signal,
      });
    } catch (error) {
      const noSuchTask =
        error instanceof ProxmoxApiError &&
        error.status === 400 &&
        /no such task/i.test(`${error.apiMessage} ${error.errors.upid ?? ''}`);
      if (!noSuchTask || ++unknown > NO_SUCH_TASK_TOLERANCE) throw error;
    }
    const elapsed = clock.now() - started;
    if (expected === undefined || elapsed >= expected) overdue++;
    if (status) {
      options.onProgress?.(status, elapsed);
      if (status.status === 'stopped') {
        if (isTaskSuccess(status.exitstatus)) {
          // It ended between the last two polls. Found at the first poll after the expected end:
          // about then (1 % less, so a host that got faster is followed). Found later: between.
          const onTime = expected !== undefined && overdue <= 1 && previous < expected;
          options.times?.record(type, onTime ? elapsed * 0.99 : elapsed - Math.min((elapsed - previous) / 2, 500));
          return status;
        }
        const logTail = await taskLogTail(transport, taskNode, upid, options.logLines ?? 20);
        throw new ProxmoxTaskError({
          upid,
          node: taskNode,
          exitstatus: status.exitstatus ?? 'unknown error',
          logTail,
          resource: options.resource,
        });
      }
    }
    previous = elapsed;
  }
}
