import { describe, expect, it } from 'vitest';
import { ProxmoxApiError, ProxmoxTaskError } from './errors.ts';
import { TaskTimes } from './task-times.ts';
import { isTaskSuccess, waitForTask, type TaskClock } from './tasks.ts';
import type { HttpMethod, Params, ProxmoxTransport, TaskStatus } from './types.ts';

const UPID = 'UPID:pve:0012AB34:0345CD67:66A1B2C3:qmclone:9000:root@pam:';

/** A scripted transport: answers task status from a list, and the log from an array. */
function scripted(statuses: (Partial<TaskStatus> | 'no-such-task')[], log: string[] = []) {
  const calls: { method: HttpMethod; path: string; params?: Params; at: number }[] = [];
  let i = 0;
  let now = 0;
  const transport: ProxmoxTransport = {
    async request<T>(method: HttpMethod, path: string, params?: Params): Promise<T> {
      calls.push({ method, path, params, at: now });
      if (path.endsWith('/log')) return log.map((t, n) => ({ n: n + 1, t })) as T;
      const next = statuses[Math.min(i++, statuses.length - 1)];
      if (next === 'no-such-task') {
        throw new ProxmoxApiError({
          status: 400,
          message: 'Parameter verification failed.',
          errors: { upid: 'no such task' },
          method,
          path,
        });
      }
      return {
        upid: UPID,
        node: 'pve',
        type: 'qmclone',
        user: 'root@pam',
        starttime: 1,
        status: 'running',
        ...next,
      } as T;
    },
  };
  const sleeps: number[] = [];
  const clock: TaskClock = { now: () => now, sleep: async (ms) => void (sleeps.push(ms), (now += ms)) };
  return { transport, clock, calls, sleeps };
}

/** Task times on a host whose speed is known (the history has a long task at its seed). */
function calibrated(seeds: Record<string, number>): TaskTimes {
  return new TaskTimes(
    { load: () => ({ vzcreate: { samples: 1, meanMs: 8000 } }), record: () => undefined },
    { vzcreate: 8000, ...seeds },
  );
}

describe('waitForTask', () => {
  it('without an expected duration: first poll after 250 ms, then gaps from 1 s growing to 5 s', async () => {
    const s = scripted([...Array(8).fill({ status: 'running' }), { status: 'stopped', exitstatus: 'OK' }]);
    const progress: string[] = [];
    const done = await waitForTask(s.transport, s.clock, 'pve', UPID, { onProgress: (st) => progress.push(st.status) });
    expect(done.exitstatus).toBe('OK');
    const at = s.calls.map((c) => c.at);
    expect(at.slice(1).map((t, n) => t - (at[n] ?? 0))).toEqual([1000, 1500, 2250, 3375, 5000, 5000, 5000, 5000]);
    expect(at[0]).toBe(250);
    expect(Math.max(...s.sleeps)).toBeLessThanOrEqual(1000); // wakes up each second to look again
    expect(progress).toHaveLength(9);
    expect(s.calls[0]?.path).toBe(`/nodes/pve/tasks/${encodeURIComponent(UPID)}/status`);
  });

  it('polls a task with a known duration near its expected end, never twice within a second', async () => {
    // qmclone:full is seeded at 20 s: a probe at 250 ms, then at 20 s, then 1 s, 1.5 s ... (≤ 5 s).
    const times = calibrated({ 'qmclone:full': 20_000 });
    const s = scripted([
      { status: 'running' },
      { status: 'running' },
      { status: 'running' },
      { status: 'stopped', exitstatus: 'OK' },
    ]);
    await waitForTask(s.transport, s.clock, 'pve', UPID, { times, taskType: 'qmclone:full' });
    expect(s.calls.map((c) => c.at)).toEqual([250, 20_000, 21_000, 22_500]);
    // Learned: it ended between 21 s and 22.5 s; the next clone is polled there first, no probe.
    const learned = times.expectedMs('qmclone:full') ?? 0;
    expect(learned).toBeGreaterThan(21_000);
    expect(learned).toBeLessThanOrEqual(22_500);
    const next = scripted([{ status: 'stopped', exitstatus: 'OK' }]);
    await waitForTask(next.transport, next.clock, 'pve', UPID, { times, taskType: 'qmclone:full' });
    expect(next.calls.map((c) => c.at)).toEqual([learned]);
  });

  it('a seeded task that ends on time costs a probe and one poll; a short one just one', async () => {
    const times = calibrated({ qmclone: 5_000, qmconfig: 500 });
    const s = scripted([{ status: 'running' }, { status: 'stopped', exitstatus: 'OK' }]);
    await waitForTask(s.transport, s.clock, 'pve', UPID, { times });
    expect(s.calls.map((c) => c.at)).toEqual([250, 5000]);
    const short = scripted([{ status: 'stopped', exitstatus: 'OK' }]);
    await waitForTask(short.transport, short.clock, 'pve', UPID, {
      times: new TaskTimes(undefined, { qmconfig: 500 }),
      taskType: 'qmconfig',
    });
    expect(short.calls.map((c) => c.at)).toEqual([500]);
  });

  it('on a host of unknown speed closes in on a seeded end with growing gaps', async () => {
    const times = new TaskTimes(undefined, { 'qmclone:full': 20_000 });
    const s = scripted([...Array(7).fill({ status: 'running' }), { status: 'stopped', exitstatus: 'OK' }]);
    await waitForTask(s.transport, s.clock, 'pve', UPID, { times, taskType: 'qmclone:full' });
    expect(s.calls.map((c) => c.at)).toEqual([250, 1250, 2750, 5000, 8375, 13_438, 20_000, 21_000]);
  });

  it('brings a poll forward when other tasks teach meanwhile that this host is faster', async () => {
    const times = new TaskTimes(undefined, { download: 10_000, vzcreate: 8000 });
    const s = scripted([{ status: 'running' }, { status: 'stopped', exitstatus: 'OK' }]);
    const waiting = waitForTask(
      s.transport,
      s.clock,
      'pve',
      'UPID:pve:0012AB34:0345CD67:66A1B2C3:download:9000:root@pam:',
      {
        times,
      },
    );
    // While it waits for the seeded 10 s, a container create ends after 800 ms: a host 10x faster.
    times.record('vzcreate', 800);
    await waiting;
    expect(s.calls.map((c) => c.at)).toEqual([250, 1250]);
  });

  it('tolerates a few "no such task" answers right after the fork', async () => {
    const s = scripted(['no-such-task', 'no-such-task', { status: 'stopped', exitstatus: 'WARNINGS: 1' }]);
    await expect(waitForTask(s.transport, s.clock, 'pve', UPID)).resolves.toMatchObject({ exitstatus: 'WARNINGS: 1' });
  });

  it('gives up when the task stays unknown', async () => {
    const s = scripted(['no-such-task']);
    await expect(waitForTask(s.transport, s.clock, 'pve', UPID)).rejects.toBeInstanceOf(ProxmoxApiError);
    expect(s.calls.length).toBe(6);
  });

  it('throws ProxmoxTaskError with the exit status and the last log lines on failure', async () => {
    const log = [
      ...Array.from({ length: 30 }, (_, n) => `line ${n}`),
      "TASK ERROR: clone failed: can't lock file '/var/lock/qemu-server/lock-133.conf' - got timeout",
    ];
    const s = scripted(
      [
        {
          status: 'stopped',
          exitstatus: "clone failed: can't lock file '/var/lock/qemu-server/lock-133.conf' - got timeout",
        },
      ],
      log,
    );
    const error = (await waitForTask(s.transport, s.clock, 'pve', UPID, { logLines: 5 }).catch(
      (e: unknown) => e,
    )) as ProxmoxTaskError;
    expect(error).toBeInstanceOf(ProxmoxTaskError);
    expect(error.exitstatus).toMatch(/^clone failed/);
    expect(error.logTail).toHaveLength(5);
    expect(error.logTail.at(-1)).toMatch(/^TASK ERROR/);
    expect(error.message).toContain('line 29');
  });

  it('stops waiting at the timeout', async () => {
    const s = scripted([{ status: 'running' }], ['still copying']);
    const error = (await waitForTask(s.transport, s.clock, 'pve', UPID, { timeoutMs: 5_000 }).catch(
      (e: unknown) => e,
    )) as ProxmoxTaskError;
    expect(error.exitstatus).toBe('timeout');
    expect(error.code).toBe('E_PVE_TASK_TIMEOUT');
    expect(error.logTail).toEqual(['still copying']);
    expect(s.clock.now()).toBeLessThanOrEqual(5_000);
  });

  it('polls the node named in the UPID (a task of another cluster node)', async () => {
    const other = 'UPID:pve2:0012AB34:0345CD67:66A1B2C3:vzstart:101:root@pam:';
    const s = scripted([{ status: 'stopped', exitstatus: 'OK' }]);
    await waitForTask(s.transport, s.clock, 'pve', other);
    expect(s.calls[0]?.path).toMatch(/^\/nodes\/pve2\//);
  });

  it.each([
    ['OK', true],
    ['WARNINGS: 3', true],
    ['unexpected status', false],
    [undefined, false],
  ])('isTaskSuccess(%s) = %s', (exit, ok) => {
    expect(isTaskSuccess(exit)).toBe(ok);
  });
});
