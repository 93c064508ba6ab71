import { describe, expect, it } from 'vitest';
import { MAX_POLL_GAP_MS, MIN_POLL_GAP_MS, nextPollAt, TaskTimes, type TaskHistory } from './task-times.ts';

function memoryHistory(initial: Record<string, { samples: number; meanMs: number }> = {}): TaskHistory & {
  rows: Record<string, { samples: number; meanMs: number }>;
} {
  const rows = { ...initial };
  return {
    rows,
    load: () => ({ ...rows }),
    record: (type, meanMs, samples) => void (rows[type] = { samples, meanMs }),
  };
}

describe('TaskTimes', () => {
  it('starts from the seeds and the history, and learns a running mean per type', () => {
    const history = memoryHistory({ vzstart: { samples: 3, meanMs: 1200 } });
    const times = new TaskTimes(history, { vzstart: 2000, 'qmclone:full': 20_000 });
    expect(times.expectedMs('vzstart')).toBe(1200);
    expect(times.expectedMs('qmclone:full')).toBe(20_000);
    expect(times.expectedMs('nothing-known')).toBeUndefined();
    times.record('qmclone:full', 30_000);
    expect(times.expectedMs('qmclone:full')).toBe(30_000);
    times.record('qmclone:full', 20_000);
    expect(times.expectedMs('qmclone:full')).toBe(27_000);
    expect(history.rows['qmclone:full']).toEqual({ samples: 2, meanMs: 27_000 });
  });

  it('scales types it has no samples of when this host is clearly faster or slower on the others', () => {
    const times = new TaskTimes(undefined, { vzcreate: 8000, qmstart: 2000, qmconfig: 500 });
    times.record('qmconfig', 50); // short tasks do not tell the host's speed
    expect(times.expectedMs('qmstart')).toBe(2000);
    times.record('vzcreate', 7600); // near the seeds: seeds kept
    expect(times.expectedMs('qmstart')).toBe(2000);
    const fast = new TaskTimes(undefined, { vzcreate: 8000, qmstart: 2000 });
    fast.record('vzcreate', 800);
    expect(fast.expectedMs('qmstart')).toBeCloseTo(200);
  });

  it('a history that cannot be read or written only costs polls', () => {
    const broken: TaskHistory = {
      load: () => {
        throw new Error('locked');
      },
      record: () => {
        throw new Error('read-only');
      },
    };
    const times = new TaskTimes(broken, { vzstart: 2000 });
    expect(times.expectedMs('vzstart')).toBe(2000);
    expect(() => times.record('vzstart', 1000)).not.toThrow();
  });
});

describe('nextPollAt', () => {
  it('never polls twice within a second after the first poll, and backs off to at most 5 s', () => {
    for (const expected of [undefined, 100, 900, 2000, 20_000, 600_000]) {
      const state = { polls: 0, lastPollMs: 0, overduePolls: 0 };
      for (let n = 0; n < 50; n++) {
        const at = nextPollAt(state, expected, n % 2 === 0);
        if (state.polls > 0) {
          expect(at - state.lastPollMs).toBeGreaterThanOrEqual(MIN_POLL_GAP_MS);
          if (expected === undefined || state.lastPollMs >= expected)
            expect(at - state.lastPollMs).toBeLessThanOrEqual(MAX_POLL_GAP_MS);
        }
        state.polls++;
        state.lastPollMs = at;
        if (expected === undefined || at >= expected) state.overduePolls++;
      }
    }
  });

  it('polls first at the expected end; a seeded long one after a 250 ms probe', () => {
    const fresh = { polls: 0, lastPollMs: 0, overduePolls: 0 };
    expect(nextPollAt(fresh, 500)).toBe(500);
    expect(nextPollAt(fresh, 20_000)).toBe(250);
    expect(nextPollAt(fresh, 20_000, true)).toBe(20_000);
    expect(nextPollAt({ polls: 1, lastPollMs: 250, overduePolls: 0 }, 20_000)).toBe(20_000);
    expect(nextPollAt({ polls: 2, lastPollMs: 20_000, overduePolls: 1 }, 20_000)).toBe(21_000);
  });
});
