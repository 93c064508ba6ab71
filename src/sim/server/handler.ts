/**
 * The `/api2/json` request pipeline (spec §1–§3), in pveproxy's order:
 * method → path → auth (401) → handler lookup (501) → token allowed (403) → injected faults →
 * parameters (400 duplicates) → permission check (403) → schema validation (400) → handler
 * (200 / SimApiError status / 500 for any other throw).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SimApiError, callerId, type SimCaller, type SimMethod, type SimModel, type SimRoute } from '../contract.ts';
import { accessFor, accessRoutes, authenticate, checkEndpointPermissions, type AccessStore } from '../access/index.ts';
import type { FaultInjector } from '../faults/index.ts';
import { getEndpoint, matchRoute } from '../schema/table.ts';
import { validateParams } from '../schema/validate.ts';
import { handleControl } from './control.ts';
import { decodeBody, decodeForm, decodeMultipart, mergeParams, type RawParams } from './params.ts';
import { redactParams, type RequestLogEntry, type RequestLogSink } from './request-log.ts';
import { writeAnswer, type ApiAnswer } from './respond.ts';

export interface SimHandlerOptions {
  model: SimModel;
  access: AccessStore;
  faults: FaultInjector;
  /** Delay before a 401 answer (PVE: 3 s). */
  authDelayMs: number;
  logSinks: RequestLogSink[];
  /** Called after every successful mutating request (persistence). */
  onMutation?: () => void;
  /** Epoch seconds. */
  now: () => number;
  /** Error text as `message` in error bodies (PVE 8.4 default: true). */
  messageInBody?: boolean;
}

const METHODS = new Set(['GET', 'POST', 'PUT', 'DELETE']);
const NO_AUTH = new Set(['GET /access/ticket', 'POST /access/ticket', 'GET /access/domains']);
const MAX_BODY = 16 * 1024 * 1024;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new SimApiError(413, 'request entity too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}

interface Context {
  method: string;
  path: string;
  route?: string;
  params: RawParams;
  caller?: SimCaller;
}

export type SimRequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

export function createSimHandler(options: SimHandlerOptions): SimRequestHandler {
  // A pool's privileges hold on its members (the model owns the pools).
  if (options.model.poolOf) options.access.poolOf = (path) => options.model.poolOf?.(path);
  const routes = new Map<string, SimRoute>();
  for (const r of [...options.model.routes(), ...accessRoutes(options.access, options.now)]) {
    routes.set(`${r.method} ${r.route}`, r);
  }

  const run = async (req: IncomingMessage, ctx: Context, res: ServerResponse): Promise<ApiAnswer | 'dropped'> => {
    const method = ctx.method;
    if (!METHODS.has(method)) return { status: 501, message: `method '${method}' not available` };
    const url = new URL(req.url ?? '/', 'http://sim.invalid');
    const rawPath = url.pathname;
    if (rawPath.startsWith('/api2/json/_sim/') || rawPath === '/api2/json/_sim') {
      const auth = await authOrAnswer(req, method, options);
      if ('status' in auth) return auth;
      ctx.caller = auth.caller;
      const body = await readBody(req);
      return handleControl(
        options,
        method,
        rawPath.slice('/api2/json/_sim'.length),
        decodeBody(req.headers['content-type'], body),
        auth.caller,
      );
    }
    if (!rawPath.startsWith('/api2/json/') && rawPath !== '/api2/json') {
      return { status: 501, message: rawPath.startsWith('/api2/') ? 'no such uri' : `no such file '${rawPath}'` };
    }
    if (/\bchunked\b/i.test(String(req.headers['transfer-encoding'] ?? ''))) {
      return { status: 501, message: 'chunked transfer encoding not supported' };
    }
    const body = await readBody(req);
    if ((method === 'GET' || method === 'DELETE') && body.length > 0) {
      return { status: 501, message: `Unexpected content for method '${method}'` };
    }
    const relPath = rawPath.slice('/api2/json'.length) || '/';
    const match = matchRoute(relPath);
    ctx.route = match?.route;
    const key = match ? `${method} ${match.route}` : '';
    let caller: SimCaller | undefined;
    let authMethod: 'token' | 'ticket' | undefined;
    if (!NO_AUTH.has(key)) {
      const auth = await authOrAnswer(req, method, options);
      if ('status' in auth) return auth;
      caller = auth.caller;
      authMethod = auth.method;
      ctx.caller = caller;
    }
    const endpoint = match ? getEndpoint(method, match.route) : undefined;
    const handler = routes.get(key);
    if (!match || !endpoint || !handler) {
      return { status: 501, message: `Method '${method} ${relPath}' not implemented` };
    }
    if (authMethod === 'token' && endpoint.allowtoken === 0) {
      return {
        status: 403,
        message: `Permission check failed (URI '${relPath}' not available with API token, need proper ticket.\n)`,
      };
    }
    const scope = { method, path: relPath, route: match.route };
    const fault = options.faults.edgeFault(scope);
    if (fault.latencyMs > 0) await sleep(fault.latencyMs);
    if (fault.kind === 'drop') {
      res.socket?.destroy();
      return 'dropped';
    }
    if (fault.kind === 'status') {
      return { status: fault.status, message: fault.message, emptyBody: fault.status !== 500 };
    }
    const query = decodeForm(url.search.slice(1));
    let merged: RawParams;
    let upload: { name: string; data: Uint8Array } | undefined;
    try {
      let bodyParams: RawParams;
      if (/^multipart\/form-data/i.test(String(req.headers['content-type'] ?? ''))) {
        ({ params: bodyParams, upload } = await decodeMultipart(String(req.headers['content-type']), body));
      } else bodyParams = decodeBody(req.headers['content-type'], body);
      merged = mergeParams(bodyParams, query, match.pathParams);
    } catch (error) {
      if (error instanceof SimApiError && error.errors) {
        return { status: error.status, message: error.message, errors: error.errors, rejectedByValidation: true };
      }
      throw error;
    }
    ctx.params = merged;
    const who = caller ?? { userid: 'nobody@pam' };
    if (caller) checkEndpointPermissions(options.access, caller, endpoint.permissions, merged);
    const { params, errors } = validateParams(method, match.route, merged);
    if (Object.keys(errors).length > 0) {
      return { status: 400, message: 'Parameter verification failed.', errors, rejectedByValidation: true };
    }
    const result = await options.faults.run(scope, () =>
      handler.handler({
        method: method as SimMethod,
        route: match.route,
        params,
        caller: who,
        access: accessFor(options.access, who),
        upload,
      }),
    );
    if (method !== 'GET') options.onMutation?.();
    if (result !== null && typeof result === 'object' && (result as { simEnvelope?: unknown }).simEnvelope === true) {
      const envelope = result as { data: unknown; extras?: Record<string, unknown> };
      return { status: 200, data: envelope.data, extras: envelope.extras };
    }
    return { status: 200, data: result };
  };

  return (req, res) => {
    const started = performance.now();
    const ctx: Context = { method: req.method ?? 'GET', path: (req.url ?? '/').split('?')[0] ?? '/', params: {} };
    const finish = (answer: ApiAnswer | 'dropped'): void => {
      const status = answer === 'dropped' ? 0 : answer.status;
      if (answer !== 'dropped' && !res.headersSent && !res.destroyed)
        writeAnswer(req, res, answer, { messageInBody: options.messageInBody ?? true });
      // Nobody listening: skip building (and redacting) the log entry.
      if (options.logSinks.length === 0) return;
      const entry: RequestLogEntry = {
        time: new Date().toISOString(),
        method: ctx.method,
        path: ctx.path,
        route: ctx.route,
        params: redactParams(ctx.params),
        status,
        durationMs: Math.round((performance.now() - started) * 100) / 100,
      };
      if (ctx.caller) entry.user = callerId(ctx.caller);
      if (answer !== 'dropped' && answer.status !== 200) entry.error = firstLine(answer.message ?? '');
      if (answer !== 'dropped' && answer.errors) entry.errors = answer.errors;
      if (answer !== 'dropped' && answer.rejectedByValidation) entry.rejectedBySchema = true;
      for (const sink of options.logSinks) sink(entry);
    };
    run(req, ctx, res).then(finish, async (error: unknown) => {
      if (error instanceof SimApiError) {
        // `authentication failure` of /access/ticket is delayed like every other auth failure.
        if (error.status === 401 && options.authDelayMs > 0) await sleep(options.authDelayMs);
        finish({ status: error.status, message: error.message, errors: error.errors });
      } else {
        // A plain `die` in a PVE handler is a 500 whose reason is the error text.
        finish({ status: 500, message: error instanceof Error ? error.message : String(error) });
      }
    });
  };
}

async function authOrAnswer(
  req: IncomingMessage,
  method: string,
  options: SimHandlerOptions,
): Promise<ApiAnswer | { caller: SimCaller; method: 'token' | 'ticket' }> {
  try {
    return authenticate(
      options.access,
      method,
      {
        authorization: req.headers.authorization,
        cookie: req.headers.cookie,
        csrfpreventiontoken: req.headers['csrfpreventiontoken'] as string | undefined,
      },
      options.now(),
    );
  } catch (error) {
    if (!(error instanceof SimApiError)) throw error;
    if (options.authDelayMs > 0 && error.message !== 'No ticket') await sleep(options.authDelayMs);
    const empty = error.message === 'No ticket' || error.message === 'Authentication failed!';
    return { status: error.status, message: error.message, emptyBody: empty };
  }
}
