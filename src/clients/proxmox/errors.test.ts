import { describe, expect, it } from 'vitest';
import { ProxmoxApiError, isAlreadyExists, isConnectError, isLockError, isNotFound, isRetryable } from './errors.ts';
import { backoffDelay, mayRetry, DEFAULT_RETRY_POLICY } from './retry.ts';

function api(status: number, message: string, transportCode?: string) {
  return new ProxmoxApiError({ status, message, method: 'GET', path: '/x', transportCode });
}

describe('classification', () => {
  it.each([
    [
      api(500, "Configuration file 'nodes/pve/qemu-server/100.conf' does not exist"),
      { nf: true, ae: false, lock: false, retry: false },
    ],
    [api(404, 'Not Found'), { nf: true, ae: false, lock: false, retry: false }],
    [
      api(500, "unable to create VM 100 - VM 100 already exists on node 'pve'"),
      { nf: false, ae: true, lock: false, retry: false },
    ],
    [
      api(500, "can't lock file '/var/lock/qemu-server/lock-100.conf' - got timeout"),
      { nf: false, ae: false, lock: true, retry: true },
    ],
    [
      api(500, "cfs-lock 'storage-local-lvm' error: got lock request timeout"),
      { nf: false, ae: false, lock: true, retry: true },
    ],
    [api(500, 'CT is locked (disk)'), { nf: false, ae: false, lock: true, retry: true }],
    [api(596, 'Connection timed out'), { nf: false, ae: false, lock: false, retry: true }],
    [api(501, "Method 'GET /nodes/pve/foo' not implemented"), { nf: false, ae: false, lock: false, retry: false }],
    [api(403, 'Permission check failed (/vms/100, VM.PowerMgmt)'), { nf: false, ae: false, lock: false, retry: false }],
    [api(0, 'socket hang up', 'ECONNRESET'), { nf: false, ae: false, lock: false, retry: true }],
  ])('%s', (error, want) => {
    expect({
      nf: isNotFound(error),
      ae: isAlreadyExists(error),
      lock: isLockError(error),
      retry: isRetryable(error),
    }).toEqual(want);
  });

  it('treats connect-phase failures as safe for every method, resets only for repeatable ones', () => {
    expect(isConnectError(api(0, 'refused', 'ECONNREFUSED'))).toBe(true);
    expect(mayRetry(api(0, 'refused', 'ECONNREFUSED'), false)).toBe(true);
    expect(mayRetry(api(0, 'reset', 'ECONNRESET'), false)).toBe(false);
    expect(mayRetry(api(0, 'reset', 'ECONNRESET'), true)).toBe(true);
    expect(mayRetry(api(500, 'got no worker upid - start worker failed'), false)).toBe(true);
    expect(mayRetry(new Error('other'), true)).toBe(false);
  });

  it('backs off exponentially with jitter, capped', () => {
    const p = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1000 };
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(p, a, () => 0))).toEqual([50, 100, 200, 400, 500]);
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(p, a, () => 1))).toEqual([100, 200, 400, 800, 1000]);
  });
});
