import { describe, it, expect } from 'vitest';
import { createVirtualClock } from './clock.ts';
import { configLockPath, FlockTable, LockTimeoutError } from './locks.ts';

describe('config flocks (spec §5.1)', () => {
  it('names the lock files like qemu-server and pve-container', () => {
    expect(configLockPath('qemu', 100)).toBe('/var/lock/qemu-server/lock-100.conf');
    expect(configLockPath('lxc', 101)).toBe('/run/lock/lxc/pve-config-101.lock');
  });

  it('times out a waiter with the lock_file_full text, and grants it when released in time', async () => {
    const clock = createVirtualClock();
    const locks = new FlockTable(clock);
    const path = configLockPath('qemu', 100);
    const release = await locks.acquire(path, { timeoutMs: 10_000 });
    const late = locks.acquire(path, { timeoutMs: 1000 }).catch((e: unknown) => e);
    await clock.advance(1001);
    const err = await late;
    expect(err).toBeInstanceOf(LockTimeoutError);
    expect((err as Error).message).toBe("can't lock file '/var/lock/qemu-server/lock-100.conf' - got timeout");
    const waiting = locks.acquire(path, { timeoutMs: 10_000 });
    await clock.advance(500);
    release();
    const second = await waiting;
    expect(locks.isHeld(path)).toBe(true);
    second();
    expect(locks.isHeld(path)).toBe(false);
  });

  it('lets shared holders overlap but makes an exclusive waiter wait for all of them', async () => {
    const clock = createVirtualClock();
    const locks = new FlockTable(clock);
    const a = await locks.acquire('x', { timeoutMs: 0, shared: true });
    const b = await locks.acquire('x', { timeoutMs: 0, shared: true });
    let got = false;
    const ex = locks.acquire('x', { timeoutMs: 5000 }).then((r) => {
      got = true;
      return r;
    });
    a();
    await clock.advance(10);
    expect(got).toBe(false);
    b();
    (await ex)();
    expect(got).toBe(true);
  });

  it('a forced timeout (fault injection) fails even when the lock is free', async () => {
    const clock = createVirtualClock();
    const locks = new FlockTable(clock);
    const p = locks.acquire('y', { timeoutMs: 100, forceTimeout: true }).catch((e: unknown) => e);
    await clock.advance(100);
    expect(await p).toBeInstanceOf(LockTimeoutError);
  });
});
