/** Process identity and clock shared by the store's parts; injectable for tests. */
import { hostname as osHostname } from 'node:os';

export interface StoreContext {
  now: () => number;
  pid: number;
  hostname: string;
  /** Is process `pid` on `host` still alive? Only answerable for this host: others count as alive. */
  isAlive: (pid: number, host: string) => boolean;
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function defaultContext(overrides: Partial<StoreContext> = {}): StoreContext {
  const host = overrides.hostname ?? osHostname();
  return {
    now: Date.now,
    pid: process.pid,
    hostname: host,
    isAlive: (pid, h) => h !== host || processAlive(pid),
    ...overrides,
  };
}
