/**
 * The daemon's HTTP surface, thin over the reconciler: JSON API (`/api/v1/...`), its OpenAPI
 * document, the SSE event stream, `/metrics`, the git webhook, and the dashboard's static
 * files. Authentication and CSRF are checked here once, from each route's declared access.
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PhoenixError } from '../errors.ts';
import type { EventBus } from '../gitops/event-bus.ts';
import type { Reconciler } from '../gitops/reconciler.ts';
import type { UpstreamStats } from '../gitops/upstream.ts';
import type { ApplyStats } from '../gitops/apply-stats.ts';
import type { StateStore } from '../gitops/store.ts';
import { allows, Authenticator } from './auth.ts';
import {
  compile,
  HttpError,
  parseJson,
  readBody,
  sendError,
  sendJson,
  type RequestContext,
  type Route,
} from './http.ts';
import { renderMetrics } from './metrics.ts';
import { openApiDocument } from './openapi.ts';
import { verifyWebhook } from './webhooks.ts';

export interface DaemonServerOptions {
  reconciler: Reconciler;
  store: StateStore;
  bus: EventBus;
  upstream: UpstreamStats;
  /** Apply and run durations (`/metrics`); absent: not exported. */
  applyStats?: ApplyStats;
  /** Only pushes to this branch start a run (webhook). */
  branch?: string;
  /** The webhook secret in force (resolved from its reference), or undefined: every webhook is refused. */
  webhookSecret(): Promise<string | undefined>;
  tls?: { cert: string; key: string };
  log?(message: string, fields?: Record<string, unknown>): void;
  /** Longest `?wait=true` (default 15 min). */
  maxWaitMs?: number;
}

export interface DaemonServer {
  readonly routes: Route[];
  /** Listens over HTTPS with `tls` (default: the option's), plain HTTP without one. */
  listen(host: string, port: number, tls?: { cert: string; key: string }): Promise<string>;
  /** A renewed certificate, taken by new connections without a restart. */
  setCertificate(tls: { cert: string; key: string }): void;
  close(): Promise<void>;
}

const DASHBOARD_DIR = fileURLToPath(new URL('./dashboard/', import.meta.url));
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};
const STATIC_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

function clientKey(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown';
}

function holdView(h: ReturnType<StateStore['gitops']['holds']['list']>[number]) {
  const plan = h.plan as {
    changes?: { address: string; kind?: string; action: string; attributes?: unknown[]; reasons?: string[] }[];
  };
  return {
    id: h.id,
    reason: h.reason,
    status: h.status,
    revision: h.revision ?? null,
    createdAt: new Date(h.createdAt).toISOString(),
    summary: h.summary,
    changes: (plan.changes ?? [])
      .filter((c) => c.action !== 'noop')
      .map((c) => ({
        address: c.address,
        kind: c.kind ?? null,
        action: c.action,
        attributes: c.attributes ?? [],
        reasons: c.reasons ?? [],
      })),
  };
}

function runView(r: ReturnType<StateStore['gitops']['runs']['list']>[number]) {
  return {
    id: r.id,
    revision: r.revision ?? null,
    trigger: r.trigger,
    outcome: r.outcome,
    message: r.message ?? null,
    startedAt: new Date(r.startedAt).toISOString(),
    finishedAt: r.finishedAt ? new Date(r.finishedAt).toISOString() : null,
    durationMs: r.finishedAt ? r.finishedAt - r.startedAt : null,
    summary: r.summary,
    resources: r.resources,
    errors: r.errors,
  };
}

export function createDaemonServer(o: DaemonServerOptions): DaemonServer {
  const auth = new Authenticator(o.store);
  const sseClients = new Set<ServerResponse>();
  const maxWait = o.maxWaitMs ?? 15 * 60_000;

  const waitFor = async <T>(promise: Promise<T>): Promise<T | 'timeout'> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), maxWait)));
    try {
      return await Promise.race([promise, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };

  const decideHold = async (ctx: RequestContext, verb: 'approve' | 'reject'): Promise<void> => {
    const id = ctx.params.id ?? '';
    try {
      if (verb === 'reject') {
        const hold = o.reconciler.reject(id, ctx.who);
        return sendJson(ctx.res, 200, { hold: holdView(hold) });
      }
      const pending = o.reconciler.approve(id, ctx.who);
      if (ctx.url.searchParams.get('wait') === 'true') {
        const run = await waitFor(pending);
        return sendJson(ctx.res, 200, { queued: true, run: run === 'timeout' || !run ? null : runView(run) });
      }
      pending.catch(() => undefined);
      return sendJson(ctx.res, 202, { queued: true, run: null });
    } catch (error) {
      const code = (error as PhoenixError).code;
      if (code === 'E_HOLD_NOT_FOUND') throw new HttpError(404, (error as Error).message, code);
      if (code === 'E_HOLD_DECIDED') throw new HttpError(409, (error as Error).message, code);
      throw error;
    }
  };

  const routes: Route[] = [
    {
      method: 'GET',
      path: '/api/openapi.json',
      access: 'public',
      documented: true,
      handle: ({ res }) => sendJson(res, 200, openApiDocument()),
    },
    {
      method: 'GET',
      path: '/healthz',
      access: 'public',
      documented: true,
      handle: ({ res }) => sendJson(res, 200, { ok: true }),
    },
    {
      method: 'GET',
      path: '/api/v1/status',
      access: 'read',
      documented: true,
      handle: ({ res }) => {
        const s = o.reconciler.snapshot();
        sendJson(res, 200, {
          source: s.source,
          revision: s.revision ?? null,
          lastSeenRevision: s.lastSeenRevision ?? null,
          statusAt: s.statusAt ?? null,
          running: s.running,
          queueDepth: s.queueDepth,
          lastSync: s.lastSync
            ? { ...s.lastSync, at: new Date(s.lastSync.at).toISOString(), revision: s.lastSync.revision ?? null }
            : null,
          // Notification URLs can be secrets themselves (a Slack hook): only references are shown.
          policy: {
            ...s.policy,
            notifications: s.policy.notifications.map((n) => ({
              ...n,
              url: /^(env|file):/.test(n.url) ? n.url : '(hidden)',
            })),
          },
          rows: s.rows,
        });
      },
    },
    {
      method: 'GET',
      path: '/api/v1/plan',
      access: 'read',
      documented: true,
      handle: ({ res }) => {
        const s = o.reconciler.snapshot();
        sendJson(res, 200, {
          revision: s.revision ?? null,
          plan: s.plan ?? null,
          holds: o.store.gitops.holds.list('pending').map(holdView),
        });
      },
    },
    {
      method: 'GET',
      path: '/api/v1/history',
      access: 'read',
      documented: true,
      handle: ({ res, url }) => {
        const limit = Math.min(500, Math.max(1, Number(url.searchParams.get('limit') ?? 50) || 50));
        sendJson(res, 200, { runs: o.store.gitops.runs.list(limit).map(runView) });
      },
    },
    {
      method: 'GET',
      path: '/api/v1/history/{id}',
      access: 'read',
      documented: true,
      handle: ({ res, params }) => {
        const run = o.store.gitops.runs.get(params.id ?? '');
        if (!run) throw new HttpError(404, `no run '${params.id}'`, 'E_RUN_NOT_FOUND');
        const events = o.store.events.list({ runId: run.id, limit: 500 }).map((e) => ({
          at: new Date(e.at).toISOString(),
          level: e.level,
          type: e.type,
          address: e.address ?? null,
          message: e.message,
        }));
        sendJson(res, 200, { run: runView(run), events: events.reverse() });
      },
    },
    {
      method: 'GET',
      path: '/api/v1/certificates',
      access: 'read',
      documented: true,
      handle: ({ res }) =>
        sendJson(res, 200, {
          certificates: o.store.certificates.list().map((c) => ({
            name: c.name,
            subject: c.subject,
            issuer: c.issuer,
            serial: c.serial,
            notAfter: new Date(c.notAfter).toISOString(),
            renewAt: c.renewAt ? new Date(c.renewAt).toISOString() : null,
            expiresInSeconds: Math.round((c.notAfter - Date.now()) / 1000),
            status: c.status,
          })),
        }),
    },
    {
      method: 'GET',
      path: '/api/v1/events',
      access: 'read',
      documented: true,
      handle: ({ req, res }) => {
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-store',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
        });
        res.write('retry: 2000\n\n');
        const lastId = Number(req.headers['last-event-id'] ?? 0);
        const send = (e: { id: number; type: string; at: string; data: unknown }): void => {
          res.write(`id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify({ at: e.at, ...(e.data as object) })}\n\n`);
        };
        if (lastId > 0) for (const e of o.bus.recent.filter((x) => x.id > lastId)) send(e);
        const unsubscribe = o.bus.subscribe(send);
        const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
        sseClients.add(res);
        req.on('close', () => {
          clearInterval(heartbeat);
          unsubscribe();
          sseClients.delete(res);
        });
      },
    },
    {
      method: 'POST',
      path: '/api/v1/sync',
      access: 'operate',
      documented: true,
      handle: async ({ res, url }) => {
        const pending = o.reconciler.trigger('api');
        if (url.searchParams.get('wait') === 'true') {
          const run = await waitFor(pending);
          return sendJson(res, 200, { queued: true, run: run === 'timeout' || !run ? null : runView(run) });
        }
        pending.catch(() => undefined);
        sendJson(res, 202, { queued: true, run: null });
      },
    },
    {
      method: 'POST',
      path: '/api/v1/plans/{id}/approve',
      access: 'operate',
      documented: true,
      handle: (ctx) => decideHold(ctx, 'approve'),
    },
    {
      method: 'POST',
      path: '/api/v1/plans/{id}/reject',
      access: 'operate',
      documented: true,
      handle: (ctx) => decideHold(ctx, 'reject'),
    },
    {
      method: 'GET',
      path: '/api/v1/session',
      access: 'public',
      documented: true,
      handle: ({ req, res }) => {
        // Public, and 200 with scope null when logged out: the dashboard asks "am I logged
        // in?" on load, which must neither count as a failed login nor log a console error.
        const who = auth.identify(req);
        sendJson(res, 200, { scope: who?.scope ?? null, csrfToken: who ? (auth.csrfOf(req) ?? null) : null });
      },
    },
    {
      method: 'POST',
      path: '/api/v1/session',
      access: 'public',
      documented: true,
      handle: ({ req, res, body }) => {
        const { token } = parseJson(body);
        const key = clientKey(req);
        const login = typeof token === 'string' ? auth.login(token, secure) : undefined;
        if (!login) {
          auth.limiter.fail(key);
          throw new HttpError(401, 'unknown token', 'E_UNAUTHORIZED');
        }
        sendJson(res, 200, { scope: login.scope, csrfToken: login.csrf }, { 'set-cookie': login.cookie });
      },
    },
    {
      method: 'DELETE',
      path: '/api/v1/session',
      access: 'public',
      documented: true,
      handle: ({ req, res }) => sendJson(res, 200, { ok: true }, { 'set-cookie': auth.logout(req) }),
    },
    {
      method: 'POST',
      path: '/hooks/git',
      access: 'webhook',
      documented: true,
      handle: async ({ req, res, body }) => {
        const verdict = verifyWebhook(req.headers, body, await o.webhookSecret());
        if (!verdict.ok) {
          auth.limiter.fail(clientKey(req));
          o.log?.('webhook refused', { reason: verdict.reason, from: clientKey(req) });
          throw new HttpError(401, 'webhook not verified', 'E_WEBHOOK_UNVERIFIED');
        }
        if (verdict.event !== 'push') return sendJson(res, 200, { accepted: false, reason: `${verdict.event} event` });
        if (o.branch && verdict.ref !== undefined && verdict.ref !== `refs/heads/${o.branch}`) {
          return sendJson(res, 200, { accepted: false, reason: `push to ${verdict.ref}, not ${o.branch}` });
        }
        o.reconciler.trigger('webhook').catch(() => undefined);
        sendJson(res, 202, { accepted: true, provider: verdict.provider });
      },
    },
    {
      method: 'GET',
      path: '/metrics',
      access: 'read',
      documented: true,
      handle: ({ res }) => {
        const text = renderMetrics({
          snapshot: o.reconciler.snapshot(),
          certificates: o.store.certificates.list(),
          upstream: o.upstream,
          runsByOutcome: o.reconciler.runCounts,
          applyStats: o.applyStats,
          process: true,
        });
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' });
        res.end(text);
      },
    },
    {
      method: 'GET',
      path: '/',
      access: 'public',
      documented: false,
      handle: ({ res }) => serveStatic(res, 'index.html'),
    },
    {
      method: 'GET',
      path: '/assets/{file}',
      access: 'public',
      documented: false,
      handle: ({ res, params }) => serveStatic(res, params.file ?? ''),
    },
  ];
  const compiled = routes.map((r) => ({ route: r, re: compile(r.path) }));

  function serveStatic(res: ServerResponse, file: string): void {
    if (!/^[a-z0-9-]+\.(html|js|css|svg)$/.test(file)) throw new HttpError(404, 'not found', 'E_NOT_FOUND');
    let content: Buffer;
    try {
      content = readFileSync(join(DASHBOARD_DIR, file));
    } catch {
      throw new HttpError(404, 'not found', 'E_NOT_FOUND');
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': content.length,
      'cache-control': 'no-cache',
      ...STATIC_HEADERS,
    });
    res.end(content);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const candidates = compiled.filter((c) => c.re.test(url.pathname));
    if (candidates.length === 0) throw new HttpError(404, 'not found', 'E_NOT_FOUND');
    const match = candidates.find((c) => c.route.method === req.method);
    if (!match) {
      throw new HttpError(405, 'method not allowed', 'E_METHOD');
    }
    const { route, re } = match;
    const params = { ...(re.exec(url.pathname)?.groups ?? {}) };
    const key = clientKey(req);
    let who: string | undefined;
    if (route.access !== 'public' || (route.path === '/api/v1/session' && req.method === 'POST')) {
      if (auth.limiter.blocked(key)) {
        throw Object.assign(new HttpError(429, 'too many failed attempts; wait and retry', 'E_RATE_LIMITED'), {
          retryAfter: auth.limiter.retryAfter(key),
        });
      }
    }
    if (route.access === 'read' || route.access === 'operate') {
      const principal = auth.identify(req);
      if (!principal) {
        auth.limiter.fail(key);
        throw new HttpError(401, 'a bearer token or a dashboard session is required', 'E_UNAUTHORIZED');
      }
      if (!allows(principal.scope, route.access)) {
        throw new HttpError(
          403,
          `this needs the '${route.access}' scope; the token has '${principal.scope}'`,
          'E_FORBIDDEN',
        );
      }
      if (principal.via === 'session' && req.method !== 'GET' && !auth.csrfOk(req)) {
        throw new HttpError(403, 'missing or wrong CSRF token', 'E_CSRF');
      }
      who = principal.who;
    }
    const body = req.method === 'POST' ? await readBody(req) : Buffer.alloc(0);
    await route.handle({ req, res, url, params, body, who });
  }

  /** Serving HTTPS: session cookies are then marked Secure. */
  let secure = o.tls !== undefined;
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof HttpError) {
        const retry = (error as HttpError & { retryAfter?: number }).retryAfter;
        const headers: Record<string, string> = retry ? { 'retry-after': String(retry) } : {};
        if (error.status === 401) headers['www-authenticate'] = 'Bearer realm="phoenix"';
        sendError(res, error.status, error.message, error.code, headers);
        return;
      }
      o.log?.('request failed', { path: req.url, error: error instanceof Error ? error.message : String(error) });
      sendError(res, 500, error instanceof PhoenixError ? error.message : 'internal error', 'E_INTERNAL');
    });
  };

  let server: Server | undefined;
  return {
    routes,
    listen(host, port, tls = o.tls) {
      secure = tls !== undefined;
      server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, listener) : createHttpServer(listener);
      const s = server;
      s.keepAliveTimeout = 5_000;
      return new Promise((resolve, reject) => {
        s.once('error', reject);
        s.listen(port, host, () => {
          const address = s.address() as AddressInfo;
          const h = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          resolve(`${secure ? 'https' : 'http'}://${h}:${address.port}`);
        });
      });
    },
    setCertificate(tls) {
      if (!secure || !server) throw new Error('the daemon does not serve HTTPS');
      (server as HttpsServer).setSecureContext({ cert: tls.cert, key: tls.key });
    },
    async close() {
      for (const c of sseClients) c.end();
      sseClients.clear();
      const s = server;
      if (!s) return;
      await new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeAllConnections();
      });
    },
  };
}
