/**
 * Time for the simulator: task durations, lock waits and timestamps all go through a `SimClock`
 * so tests can run on a virtual clock (advance it by hand) instead of waiting in real time.
 */

export interface SimClock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `fn` after `ms` milliseconds of this clock's time; returns a handle for `clear`. */
  schedule(ms: number, fn: () => void): unknown;
  clear(handle: unknown): void;
}

/** The wall clock. Timers are unref'd so a forgotten task never keeps the process alive. */
export function realClock(): SimClock {
  return {
    now: () => Date.now(),
    schedule(ms, fn) {
      const timer = setTimeout(fn, Math.max(0, ms));
      timer.unref?.();
      return timer;
    },
    clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  };
}

export interface VirtualClock extends SimClock {
  /** Moves time forward, firing due timers in order; awaits pending promise work between timers. */
  advance(ms: number): Promise<void>;
  /** Number of timers waiting to fire. */
  pending(): number;
}

interface VirtualTimer {
  at: number;
  seq: number;
  fn: () => void;
}

/** A clock that only moves when `advance` is called: deterministic task timelines for tests. */
export function createVirtualClock(startMs = Date.UTC(2026, 0, 1)): VirtualClock {
  let current = startMs;
  let seq = 0;
  const timers = new Set<VirtualTimer>();
  const flush = async (): Promise<void> => {
    // Let promise chains triggered by a timer register their follow-up timers.
    for (let i = 0; i < 20; i++) await Promise.resolve();
    await new Promise<void>((resolve) => setImmediate(resolve));
  };
  return {
    now: () => current,
    schedule(ms, fn) {
      const timer = { at: current + Math.max(0, ms), seq: seq++, fn };
      timers.add(timer);
      return timer;
    },
    clear: (handle) => void timers.delete(handle as VirtualTimer),
    pending: () => timers.size,
    async advance(ms) {
      const target = current + ms;
      await flush();
      // Bounded: a timer that reschedules itself at the same instant cannot spin forever.
      for (let guard = 0; guard < 100_000; guard++) {
        let next: VirtualTimer | undefined;
        for (const timer of timers) {
          if (timer.at <= target && (!next || timer.at < next.at || (timer.at === next.at && timer.seq < next.seq)))
            next = timer;
        }
        if (!next) break;
        timers.delete(next);
        current = Math.max(current, next.at);
        next.fn();
        await flush();
      }
      current = target;
      await flush();
    },
  };
}
