/**
 * When a failed request may be sent again, and how long to wait. The rule is "retry only what
 * cannot cause a duplicate" (issue 4):
 * - any method: connect-phase failures (nothing was sent), lock timeouts and busy config locks,
 *   worker fork failures (PVE refused before doing anything);
 * - requests whose repetition is harmless (GET/PUT/DELETE by default, or `retryUnsafe: true`):
 *   also 5xx, 595/596/599 and connection resets, whose outcome is unknown;
 * - never: a POST with unknown outcome (create/clone) unless the caller opted in.
 */
import { isConnectError, isLockError, isRetryable, isWorkerStartError } from './errors.ts';

export { backoffDelay } from '../../util/backoff.ts';

export interface RetryPolicy {
  /** Total tries including the first. */
  maxAttempts: number;
  /** First backoff delay (ms); doubles each attempt. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** No new attempt starts after this much time since the first one (ms). */
  maxTotalMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 6,
  baseDelayMs: 250,
  maxDelayMs: 5_000,
  maxTotalMs: 60_000,
};

/** True when a request that failed with `error` may be sent again. */
export function mayRetry(error: unknown, repeatable: boolean): boolean {
  if (isConnectError(error) || isLockError(error) || isWorkerStartError(error)) return true;
  return repeatable && isRetryable(error);
}
