import { PhoenixError } from '../../errors.ts';

/**
 * A step-ca request that failed: names the endpoint (and the certificate, when the caller
 * gives one) so an apply can report which certificate could not be issued and where.
 * step-ca's refusals are generic on purpose (401 "provisioner not found or invalid audience");
 * the body's message is passed through, never the token or CSR.
 */
export class StepCaError extends PhoenixError {
  readonly status: number | undefined;
  readonly endpoint: string;

  constructor(
    endpoint: string,
    message: string,
    options: { status?: number; code?: string; hint?: string; cause?: unknown } = {},
  ) {
    super(`step-ca ${endpoint}: ${message}`, {
      code: options.code ?? 'E_STEPCA',
      ...(options.hint ? { hint: options.hint } : {}),
      ...(options.cause ? { cause: options.cause } : {}),
    });
    this.status = options.status;
    this.endpoint = endpoint;
  }
}
