/**
 * Exponential backoff with "equal jitter": half the delay fixed, half random, so retries of
 * parallel workers spread out but never collapse to zero. Shared by the Proxmox client's
 * request retries and the executor's resource retries. `attempt` is 1 after the first failure.
 */
export interface BackoffBounds {
  /** First delay (ms); doubles each attempt. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export function backoffDelay(bounds: BackoffBounds, attempt: number, random: () => number = Math.random): number {
  const exp = Math.min(bounds.maxDelayMs, bounds.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(exp / 2 + (exp / 2) * random());
}
