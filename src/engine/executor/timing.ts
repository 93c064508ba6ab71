/**
 * Waiting, retry backoff and health polling for the executor. Time sources are injected so
 * tests run on fake sleeps; every wait is bounded in count and time.
 */
import { ApplyError } from '../../errors.ts';
import { isRetryableError, type AnyResourceHandler, type HandlerContext, type Resource } from '../handler.ts';

/** Sleeps `ms`, or rejects early when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason ?? new Error('aborted'));
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason ?? new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export interface RetryPolicy {
  /** Attempts in total, first included (default 4). */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 10_000 };

/** Exponential backoff with "equal jitter" (shared with the Proxmox client's request retries). */
export { backoffDelay } from '../../util/backoff.ts';

/** True when the error should be retried by the executor (see `isRetryableError`). */
export function shouldRetry(error: unknown, attempt: number, policy: RetryPolicy): boolean {
  return attempt < policy.maxAttempts && isRetryableError(error);
}

export interface HealthPolicy {
  /** First poll interval; doubles up to `maxIntervalMs`. */
  intervalMs: number;
  maxIntervalMs: number;
  /** Give up after this long (the resource then fails). */
  timeoutMs: number;
}

/** A hinted health poll is never sooner than this after the previous one, nor later than the max. */
const HINTED_MIN_INTERVAL_MS = 1000;
const HINTED_MAX_INTERVAL_MS = 10_000;

export const DEFAULT_HEALTH: HealthPolicy = { intervalMs: 250, maxIntervalMs: 5_000, timeoutMs: 300_000 };

/**
 * Polls the handler's `health` until `healthy`; fails on `unhealthy` or at the deadline.
 * A retryable error while polling counts as `pending`.
 */
export async function waitHealthy(
  handler: AnyResourceHandler,
  resource: Resource,
  ctx: HandlerContext,
  policy: HealthPolicy,
  clock: { now: () => number; sleep: Sleep },
): Promise<void> {
  if (!handler.health) return;
  const deadline = clock.now() + policy.timeoutMs;
  let interval = policy.intervalMs;
  let last = '';
  for (let poll = 1; ; poll += 1) {
    let status: 'healthy' | 'pending' | 'unhealthy';
    let retryAfter: number | undefined;
    try {
      const response = await handler.health({ ctx, resource });
      status = response.status;
      last = response.message ?? status;
      retryAfter = response.retryAfterMs;
    } catch (error) {
      if (!isRetryableError(error)) throw error;
      status = 'pending';
      last = error instanceof Error ? error.message : String(error);
    }
    if (status === 'healthy') return;
    if (status === 'unhealthy') {
      throw new ApplyError(`${resource.address} is unhealthy: ${last}`, {
        code: 'E_UNHEALTHY',
        resource: resource.address,
      });
    }
    // The handler's hint (when it expects the answer to change), at most one poll a second.
    const wait =
      retryAfter !== undefined && Number.isFinite(retryAfter)
        ? Math.min(HINTED_MAX_INTERVAL_MS, Math.max(HINTED_MIN_INTERVAL_MS, retryAfter))
        : interval;
    if (clock.now() + wait > deadline) {
      throw new ApplyError(
        `${resource.address} did not become healthy within ${Math.round(policy.timeoutMs / 1000)} s`,
        {
          code: 'E_HEALTH_TIMEOUT',
          resource: resource.address,
          detail: `last health answer: ${last}`,
          hint: 'check the resource in the system; apply again once it is up',
        },
      );
    }
    ctx.hook.progress({ address: resource.address, message: `health: ${last} (poll ${poll})` });
    await clock.sleep(wait, ctx.signal);
    interval = Math.min(policy.maxIntervalMs, interval * 2);
  }
}
