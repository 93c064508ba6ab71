/**
 * A virtual clock for exact scheduling tests: `sleep` registers a timer, and `run(promise)`
 * lets every pending microtask and I/O callback settle, then jumps time to the next timer, until
 * the promise settles. Wall times measured with it are exact, so a test can compare an
 * executor's makespan with the critical path without timer noise.
 */
export interface VirtualClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  run<T>(work: Promise<T>, maxSteps?: number): Promise<T>;
}

interface Timer {
  at: number;
  seq: number;
  resolve: () => void;
}

export function virtualClock(): VirtualClock {
  let time = 0;
  let seq = 0;
  const timers: Timer[] = [];
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 5; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
  };
  return {
    now: () => time,
    sleep(ms, signal) {
      return new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          const i = timers.indexOf(timer);
          if (i >= 0) timers.splice(i, 1);
          reject(new Error('aborted'));
        };
        const timer: Timer = {
          at: time + Math.max(0, ms),
          seq: (seq += 1),
          resolve: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        timers.push(timer);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
    async run(work, maxSteps = 100_000) {
      let done = false;
      const result = work.finally(() => {
        done = true;
      });
      for (let step = 0; step < maxSteps; step += 1) {
        await settle();
        if (done) return result;
        timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
        const next = timers.shift();
        if (!next) throw new Error('virtual clock: work is stuck with no timer pending');
        time = next.at;
        next.resolve();
      }
      throw new Error(`virtual clock: not done after ${maxSteps} steps`);
    },
  };
}
