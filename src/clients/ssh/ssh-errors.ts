/**
 * Error classification at the SSH edge (STYLE.md §12): transport failures (refused, reset,
 * timed out, dropped mid-command) are retryable for idempotent operations; authentication,
 * host key and command failures are terminal.
 */
import { ProviderError } from '../../errors.ts';

export type SshErrorKind = 'transport' | 'timeout' | 'auth' | 'command' | 'tunnel';

export class SshError extends ProviderError {
  readonly kind: SshErrorKind;
  readonly exitCode?: number;

  constructor(
    kind: SshErrorKind,
    summary: string,
    options: { hint?: string; detail?: string; cause?: unknown; exitCode?: number } = {},
  ) {
    super(summary, { code: `E_SSH_${kind.toUpperCase()}`, ...options });
    this.kind = kind;
    this.exitCode = options.exitCode;
  }

  get retryable(): boolean {
    return this.kind === 'transport';
  }
}

export function isRetryableSshError(error: unknown): boolean {
  return error instanceof SshError && error.retryable;
}
