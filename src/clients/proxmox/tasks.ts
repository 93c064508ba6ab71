/**
 * Waiting for PVE tasks (spec §4). A UPID only says a worker was forked: success is known from
 * `exitstatus` once `status` is `stopped`. Polls are timed by the task's expected duration
 * (`TaskTimes`, learned per task type): the first near its expected end, then a bounded backoff,
 * never more than one poll per second per task (`nextPollDelay`).
 */
import { apiPath } from './encode.ts';
import { ProxmoxApiError, ProxmoxTaskError } from './errors.ts';
import type { ProxmoxTransport, TaskStatus } from './types.ts';
import { nextPollAt, type PollState, type TaskTimes } from './task-times.ts';
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

/** Longest single sleep while waiting: the expectation is looked at again after it. */
const WAKE_MS = 1000;
/** Bound of the wait loop's iterations (the timeout bounds it in time). */
const MAX_STEPS = 100_000;

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
  const expectedFirst = options.times?.expectedMs(type);
  let unknown = 0;
  const poll: PollState = { polls: 0, lastPollMs: 0, overduePolls: 0 };
  for (let step = 0; step < MAX_STEPS; step++) {
    // Asked again on every wake-up: what other tasks taught meanwhile may bring the poll forward.
    const expected = options.times?.expectedMs(type) ?? expectedFirst;
    const due = nextPollAt(
      poll,
      expected,
      options.times?.isKnown(type) ?? false,
      options.times?.isCalibrated() ?? true,
    );
    const elapsedBefore = clock.now() - started;
    if (due > timeoutMs) {
      const logTail = await taskLogTail(transport, taskNode, upid, options.logLines ?? 20);
      throw new ProxmoxTaskError({ upid, node: taskNode, exitstatus: 'timeout', logTail, resource: options.resource });
    }
    if (options.signal?.aborted) throw options.signal.reason;
    if (due > elapsedBefore) {
      await clock.sleep(Math.min(due - elapsedBefore, WAKE_MS));
      if (clock.now() - started < due) continue;
    }
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
    const previous = poll.polls === 0 ? 0 : poll.lastPollMs;
    poll.polls++;
    poll.lastPollMs = elapsed;
    if (expected === undefined || elapsed >= expected) poll.overduePolls++;
    if (status) {
      options.onProgress?.(status, elapsed);
      if (status.status === 'stopped') {
        if (isTaskSuccess(status.exitstatus)) {
          // It ended between the last two polls. Found at the first poll at its expected end: take
          // that end (a guess below it would make the next task of its type miss by a whole
          // second). Found later: between the two polls.
          const onTime = expected !== undefined && poll.overduePolls <= 1 && previous < expected;
          options.times?.record(type, onTime ? elapsed : elapsed - Math.min((elapsed - previous) / 2, 500));
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
  }
  throw new ProxmoxTaskError({ upid, node: taskNode, exitstatus: 'timeout', logTail: [], resource: options.resource });
}
