/**
 * Which Proxmox failures a provider step may repeat. Shared by every provider that talks to the
 * PVE API (guests, files, host objects): each of their steps re-reads before acting, so a repeat
 * after a transient failure never duplicates work. The engine retries errors with `retryable: true`.
 */
import { isLockError, isRetryable, ProxmoxTaskError } from '../clients/proxmox/index.ts';
import { ProviderError } from '../errors.ts';

/** A failure that is safe to retry. */
export class RetryableProviderError extends ProviderError {
  readonly retryable = true;
}

/**
 * Marks errors that are safe to repeat: transient API errors (5xx, 596/599, resets), lock
 * timeouts and failed tasks. Anything else passes through unchanged.
 */
export function asRetryable(error: unknown, address: string): unknown {
  if (error instanceof RetryableProviderError) return error;
  if (isRetryable(error) || isLockError(error) || error instanceof ProxmoxTaskError) {
    const message = error instanceof Error ? error.message : String(error);
    return new RetryableProviderError(message, { code: 'E_PVE_TRANSIENT', resource: address, cause: error });
  }
  return error;
}
