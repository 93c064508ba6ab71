/**
 * Process flocks (spec §5.1 kind 1): held only while a handler or worker touches a guest's
 * config. A waiter gives up after its timeout with PVE's `lock_file_full` text. Shared mode
 * exists for the QEMU clone source (§5.3: parallel clones of a stopped template are allowed).
 */
import type { SimClock } from './clock.ts';

interface Waiter {
  shared: boolean;
  grant: () => void;
}

interface LockEntry {
  holders: number;
  shared: boolean;
  waiters: Waiter[];
}

export type ReleaseLock = () => void;

export class LockTimeoutError extends Error {
  constructor(path: string) {
    super(`can't lock file '${path}' - got timeout`);
    this.name = 'LockTimeoutError';
  }
}

/** `/var/lock/qemu-server/lock-<vmid>.conf` or `/run/lock/lxc/pve-config-<vmid>.lock` (§5.1). */
export function configLockPath(type: 'qemu' | 'lxc', vmid: number): string {
  return type === 'qemu' ? `/var/lock/qemu-server/lock-${vmid}.conf` : `/run/lock/lxc/pve-config-${vmid}.lock`;
}

export class FlockTable {
  private readonly entries = new Map<string, LockEntry>();

  constructor(private readonly clock: SimClock) {}

  isHeld(path: string): boolean {
    return (this.entries.get(path)?.holders ?? 0) > 0;
  }

  /**
   * Waits up to `timeoutMs` (already scaled by the speed factor) for the lock.
   * `forceTimeout` (fault injection) makes the wait fail even if the lock is free.
   */
  acquire(
    path: string,
    options: { timeoutMs: number; shared?: boolean; forceTimeout?: boolean; onWait?: () => void },
  ): Promise<ReleaseLock> {
    const shared = options.shared ?? false;
    let entry = this.entries.get(path);
    if (!entry) {
      entry = { holders: 0, shared: false, waiters: [] };
      this.entries.set(path, entry);
    }
    const e = entry;
    const release = this.releaser(path, e);
    const free = e.holders === 0 || (shared && e.shared && e.waiters.length === 0);
    if (free && !options.forceTimeout) {
      e.holders++;
      e.shared = shared;
      return Promise.resolve(release);
    }
    options.onWait?.();
    return new Promise<ReleaseLock>((resolve, reject) => {
      const waiter: Waiter = {
        shared,
        grant: () => {
          this.clock.clear(timer);
          resolve(release);
        },
      };
      const timer = this.clock.schedule(options.timeoutMs, () => {
        const idx = e.waiters.indexOf(waiter);
        if (idx >= 0) e.waiters.splice(idx, 1);
        reject(new LockTimeoutError(path));
      });
      if (!options.forceTimeout) e.waiters.push(waiter);
    });
  }

  private releaser(path: string, entry: LockEntry): ReleaseLock {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      entry.holders--;
      if (entry.holders > 0) return;
      const next = entry.waiters.shift();
      if (!next) {
        this.entries.delete(path);
        return;
      }
      entry.holders = 1;
      entry.shared = next.shared;
      next.grant();
      // Further shared waiters join a shared holder.
      while (entry.shared && entry.waiters[0]?.shared) {
        const w = entry.waiters.shift() as Waiter;
        entry.holders++;
        w.grant();
      }
    };
  }
}
