import { afterEach, describe, expect, it, vi } from 'vitest';
import { idleCollector } from './runtime-tuning.ts';

afterEach(() => vi.useRealTimers());

describe('idleCollector', () => {
  it('collects once, quietMs after the last run of a burst, and only when idle', () => {
    vi.useFakeTimers();
    let idle = true;
    const collect = vi.fn();
    const c = idleCollector({ quietMs: 1000, isIdle: () => idle, collect });
    c.onRunEnd();
    vi.advanceTimersByTime(600);
    c.onRunEnd(); // a second run ended: the timer restarts
    vi.advanceTimersByTime(600);
    expect(collect).not.toHaveBeenCalled();
    vi.advanceTimersByTime(400);
    expect(collect).toHaveBeenCalledTimes(1);

    idle = false; // a run is in flight when the timer fires: nothing
    c.onRunEnd();
    vi.advanceTimersByTime(1000);
    expect(collect).toHaveBeenCalledTimes(1);

    c.onRunEnd();
    c.close(); // stopping cancels a pending collection
    idle = true;
    vi.advanceTimersByTime(5000);
    expect(collect).toHaveBeenCalledTimes(1);
  });
});
