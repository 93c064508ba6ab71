/**
 * The small HTTP toolkit the server needs on node:http: a route table (method + path pattern
 * with `{param}`s + the scope required), JSON answers, bounded body reading. The route table is
 * also what the OpenAPI test compares with the served document.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Scope } from './auth.ts';

export type Access = 'public' | 'webhook' | Scope;

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
  body: Buffer;
  /** Who called (undefined for public and webhook routes). */
  who?: string;
}

export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  /** OpenAPI-style path, e.g. `/api/v1/plans/{id}/approve`. */
  path: string;
  access: Access;
  /** In the OpenAPI document (the dashboard's files are not). */
  documented: boolean;
  handle(ctx: RequestContext): Promise<void> | void;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code = 'E_HTTP',
  ) {
    super(message);
  }
}

export function compile(path: string): RegExp {
  const pattern = path.replace(/[.*+?^${}()|[\]\\]/g, (c) => (c === '{' || c === '}' ? c : `\\${c}`));
  return new RegExp(`^${pattern.replace(/\{(\w+)\}/g, '(?<$1>[^/]+)')}$`);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

export function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  code: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { error: { code, message } }, headers);
}

export async function readBody(req: IncomingMessage, limit = 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, 'request body too large', 'E_TOO_LARGE');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function parseJson(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  try {
    const value = JSON.parse(body.toString('utf8')) as unknown;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // falls through to the 400 below
  }
  throw new HttpError(400, 'the body must be a JSON object', 'E_BAD_JSON');
}
