/**
 * The request log: one JSON object per request (method, path, route, params with secrets
 * redacted, status, duration ms, caller), to a file (JSON lines) and/or a callback.
 */
import { appendFileSync } from 'node:fs';

export interface RequestLogEntry {
  time: string;
  method: string;
  path: string;
  route?: string;
  params: Record<string, unknown>;
  status: number;
  durationMs: number;
  user?: string;
  /** The reason phrase of an error answer. */
  error?: string;
  /** Parameter errors of a 400 answer (what schema validation rejected). */
  errors?: Record<string, string>;
  /** True when the official schema rejected the request (not a handler's own 400). */
  rejectedBySchema?: boolean;
}

export type RequestLogSink = (entry: RequestLogEntry) => void;

const SECRET_KEY = /pass|secret|ticket|^otp$|tfa-challenge|^keys$|apitoken|^value$/i;

export function redactParams(params: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) out[key] = SECRET_KEY.test(key) ? '**********' : value;
  return out;
}

/** A sink appending JSON lines to `file` (synchronously: the log must survive a crash). */
export function fileLogSink(file: string): RequestLogSink {
  return (entry) => appendFileSync(file, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
}
