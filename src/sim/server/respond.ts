/**
 * Writes PVE-shaped responses (spec §1, §3): `{"data": ...}` envelope, `errors` for parameter
 * errors, `message` with the full error text on any error status, the first line of the error
 * as the HTTP reason phrase, pve-api-daemon's headers, `Connection: close` for status ≥ 400,
 * gzip for bodies over 1 KiB when the client accepts it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { encodeBody } from '../api/json-cache.ts';

export interface ApiAnswer {
  status: number;
  /** Reason phrase source; only its first line is used. */
  message?: string;
  data?: unknown;
  errors?: Record<string, string>;
  extras?: Record<string, unknown>;
  /** 401 `No ticket` / `Authentication failed!` and the proxy pseudo-statuses have no body. */
  emptyBody?: boolean;
  /** The request failed the schema (or URI-parameter) checks, not a handler's own rules. */
  rejectedByValidation?: boolean;
}

export interface AnswerStyle {
  /**
   * Put the error text in the body as `message` (libpve-http-server ≥ 5.2.0, i.e. PVE 8.4;
   * default). False answers like earlier 8.x: `{"data":null}` plus `errors`.
   */
  messageInBody: boolean;
}

function reasonPhrase(message: string): string {
  // Node refuses control characters in the status line; PVE has none there either.
  return message.split('\n')[0]?.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?') ?? '';
}

let dateSecond = -1;
let dateText = '';

/** The HTTP date of now, formatted once per second (it has 1 s resolution anyway). */
function httpDate(): string {
  const ms = Date.now();
  const second = Math.floor(ms / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(ms).toUTCString();
  }
  return dateText;
}

export function writeAnswer(
  req: IncomingMessage,
  res: ServerResponse,
  answer: ApiAnswer,
  style: AnswerStyle = { messageInBody: true },
): void {
  let status = answer.status;
  let reason = answer.status === 200 ? 'OK' : reasonPhrase(answer.message ?? '');
  let payload: Buffer | undefined;
  const firstLine = (answer.message ?? '').split('\n')[0] ?? '';
  if (status !== 200 && firstLine.includes('\r')) {
    // pve-http-server turns a reason phrase with a CR into a plain 400 with an empty body.
    status = 400;
    reason = 'Bad Request';
  } else if (!answer.emptyBody) {
    const body: { data: unknown } & Record<string, unknown> = { data: status === 200 ? (answer.data ?? null) : null };
    if (answer.errors) body['errors'] = answer.errors;
    if (status !== 200 && answer.message !== undefined && style.messageInBody) {
      body['message'] = answer.message.endsWith('\n') ? answer.message : `${answer.message}\n`;
    }
    Object.assign(body, answer.extras);
    payload = encodeBody(body);
  }
  const now = httpDate();
  const headers: Record<string, string | number> = {
    Server: 'pve-api-daemon/3.0',
    Date: now,
    Expires: now,
    'Cache-Control': 'max-age=0',
    Pragma: 'no-cache',
    Connection: status >= 400 ? 'close' : 'Keep-Alive',
  };
  if (payload) {
    headers['Content-Type'] = 'application/json;charset=UTF-8';
    if (payload.length > 1024 && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
      payload = gzipSync(payload);
      headers['Content-Encoding'] = 'gzip';
    }
  }
  headers['Content-Length'] = payload?.length ?? 0;
  res.writeHead(status, reason, headers);
  res.end(payload);
}
