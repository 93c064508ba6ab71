/**
 * Typed errors of the Proxmox VE client and the classification helpers the provider relies on.
 * PVE answers most failures with HTTP 500 and a text (spec §3), so classification works on the
 * status AND the message; a missing guest is a 500 "... does not exist", never a 404.
 */
import { ProviderError } from '../../errors.ts';
import type { HttpMethod } from './types.ts';

export interface ProxmoxApiErrorInit {
  status: number;
  /** The API's own text: JSON `message`, else the reason phrase, trailing newline removed. */
  message: string;
  /** Per-parameter errors of a 400 answer (`errors` in the envelope). */
  errors?: Record<string, string>;
  /** The HTTP reason phrase as received (PVE puts the error's first line there). */
  reason?: string;
  method: HttpMethod;
  path: string;
  resource?: string;
  cause?: unknown;
}

/**
 * A request the API refused, or a transport failure (status 0 with `code` set, e.g. ECONNRESET).
 * The token secret is never part of it: messages are built from the path and the API's answer only.
 */
export class ProxmoxApiError extends ProviderError {
  readonly status: number;
  readonly apiMessage: string;
  readonly errors: Record<string, string>;
  readonly reason?: string;
  readonly method: HttpMethod;
  readonly path: string;
  /** Transport error code (ECONNRESET, UND_ERR_SOCKET, ...) when no HTTP answer arrived. */
  readonly transportCode?: string;

  /** `https://host:port` of a connect-phase failure: the endpoint actually used. */
  readonly endpoint?: string;

  constructor(init: ProxmoxApiErrorInit & { transportCode?: string; hint?: string; endpoint?: string }) {
    const fieldText = Object.entries(init.errors ?? {})
      .map(([k, v]) => `${k}: ${v}`)
      .join('; ');
    const statusText = init.status === 0 ? (init.transportCode ?? 'network error') : String(init.status);
    super(
      `Proxmox API ${init.method} ${init.path} failed (${statusText}): ${init.message}${fieldText ? ` (${fieldText})` : ''}`,
      {
        code: init.status === 0 ? 'E_PVE_TRANSPORT' : 'E_PVE_API',
        resource: init.resource,
        hint: init.hint ?? hintFor(init.status),
        cause: init.cause,
      },
    );
    this.status = init.status;
    this.apiMessage = init.message;
    this.errors = init.errors ?? {};
    this.reason = init.reason;
    this.method = init.method;
    this.path = init.path;
    this.transportCode = init.transportCode;
    this.endpoint = init.endpoint;
  }
}

/** A task ended with an error (or did not end in time); carries the last lines of its log. */
export class ProxmoxTaskError extends ProviderError {
  readonly upid: string;
  readonly node: string;
  /** `exitstatus` as PVE reports it, or `timeout` when Phoenix stopped waiting. */
  readonly exitstatus: string;
  readonly logTail: string[];

  constructor(init: { upid: string; node: string; exitstatus: string; logTail: string[]; resource?: string }) {
    const tail = init.logTail.length > 0 ? `\n  ${init.logTail.join('\n  ')}` : '';
    super(`Proxmox task ${init.upid} failed: ${init.exitstatus}${tail}`, {
      code: init.exitstatus === 'timeout' ? 'E_PVE_TASK_TIMEOUT' : 'E_PVE_TASK',
      resource: init.resource,
      detail: init.logTail.join('\n'),
    });
    this.upid = init.upid;
    this.node = init.node;
    this.exitstatus = init.exitstatus;
    this.logTail = init.logTail;
  }
}

function hintFor(status: number): string | undefined {
  if (status === 401)
    return 'check the API token id and secret (PVEAPIToken=user@realm!tokenid=secret) and that the token is not expired';
  if (status === 403)
    return 'the token lacks a privilege: with privilege separation the token needs its own ACL entries';
  if (status === 595) return 'the target node is unreachable from the node you are talking to';
  return undefined;
}

function messageOf(error: unknown): string {
  if (error instanceof ProxmoxApiError) return error.apiMessage;
  if (error instanceof ProxmoxTaskError) return error.exitstatus;
  return '';
}

/** 404, or PVE's 500 texts for something missing ("does not exist", "no such ..."). */
export function isNotFound(error: unknown): boolean {
  if (!(error instanceof ProxmoxApiError) || error.status === 0) return false;
  if (error.status === 404) return true;
  if (error.status !== 500 && error.status !== 400) return false;
  return /does not exist|no such (?!task)|No such file or directory/i.test(error.apiMessage);
}

/** Create/clone hit an id or name that is already taken. */
export function isAlreadyExists(error: unknown): boolean {
  if (!(error instanceof ProxmoxApiError) && !(error instanceof ProxmoxTaskError)) return false;
  const text = `${messageOf(error)} ${Object.values(error instanceof ProxmoxApiError ? error.errors : {}).join(' ')}`;
  return /already exists|config file already exists/i.test(text);
}

/**
 * A config/storage lock was busy: the flock timed out (`got timeout`, `got lock request timeout`)
 * or a long-running operation holds the config lock (`CT is locked (disk)`). PVE reports these
 * before the operation did anything, which is what makes retrying them safe.
 */
export function isLockError(error: unknown): boolean {
  const text = messageOf(error);
  return /got timeout|got lock request timeout|is locked \(/i.test(text);
}

/** The fork of the task worker failed: nothing was started. */
export function isWorkerStartError(error: unknown): boolean {
  return /got no worker upid|starting worker failed/i.test(messageOf(error));
}

const CONNECT_PHASE_CODES = new Set([
  'ECONNREFUSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
]);
const RESET_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'ETIMEDOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** The connection failed before the request was sent: retrying cannot duplicate anything. */
export function isConnectError(error: unknown): error is ProxmoxApiError {
  return error instanceof ProxmoxApiError && error.status === 0 && CONNECT_PHASE_CODES.has(error.transportCode ?? '');
}

/** The connection broke after the request may have been received (unknown outcome). */
export function isConnectionReset(error: unknown): boolean {
  return error instanceof ProxmoxApiError && error.status === 0 && RESET_CODES.has(error.transportCode ?? '');
}

/**
 * Transient in general (outcome may be unknown): 5xx other than missing/exists/not-implemented,
 * proxy pseudo-statuses 595/596/599, connection failures, lock errors. Whether a given request
 * may be retried also depends on its method: see `retry.ts`.
 */
export function isRetryable(error: unknown): boolean {
  if (!(error instanceof ProxmoxApiError)) return false;
  if (error.status === 0) return isConnectError(error) || isConnectionReset(error);
  if (isLockError(error) || isWorkerStartError(error)) return true;
  if (error.status === 501) return false;
  if (error.status >= 500) return !isNotFound(error) && !isAlreadyExists(error);
  return false;
}
