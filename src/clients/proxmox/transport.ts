/**
 * The HTTP side of the client: one undici Agent (bounded keep-alive pool) per client, token
 * auth, envelope decoding, typed errors and safe retries. Everything above it goes through
 * `request()`.
 */
import { setMaxListeners } from 'node:events';
import type { Socket } from 'node:net';
import { Agent, buildConnector, request as undiciRequest } from 'undici';
import { PhoenixError } from '../../errors.ts';
import { encodeParams } from './encode.ts';
import { isConnectError, ProxmoxApiError } from './errors.ts';
import { DEFAULT_RETRY_POLICY, backoffDelay, mayRetry, type RetryPolicy } from './retry.ts';
import { buildTlsConnector, type TlsOptions } from './tls.ts';
import type { HttpMethod, Params, ProxmoxTransport, RequestEvent, RequestOptions } from './types.ts';

export interface TransportOptions {
  /** `https://host:8006` (the `/api2/json` suffix is added when missing). */
  endpoint: string;
  /** `user@realm!tokenname`. */
  tokenId: string;
  tokenSecret: string;
  /** Required trust settings for https; must be undefined for plain http (loopback only). */
  tls?: TlsOptions;
  /** Upper bound of open connections to the node (default 8). */
  maxConnections?: number;
  timeouts?: { connectMs?: number; requestMs?: number; keepAliveMs?: number };
  retry?: Partial<RetryPolicy>;
  onRequest?: (event: RequestEvent) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
}

/** Bound of the TCP connect plus TLS handshake when none is configured: a LAN host answers in ms. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

const CONNECT_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused: nothing listens on that port',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name cannot be resolved right now (DNS)',
  EHOSTUNREACH: 'no route to the host',
};

const TOKEN_ID_RE = /^[^\s@!]+@[^\s!]+![A-Za-z][A-Za-z0-9.\-_]+$/;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

function configError(summary: string, hint: string): PhoenixError {
  return new PhoenixError(summary, { code: 'E_PVE_CLIENT_CONFIG', hint });
}

function parseEndpoint(endpoint: string, tls: TlsOptions | undefined): URL {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw configError(`invalid Proxmox endpoint '${endpoint}'`, 'use a URL such as https://pve.example.net:8006');
  }
  if (url.protocol === 'http:') {
    if (!LOOPBACK.has(url.hostname)) {
      throw configError(
        `refusing plain http to ${url.host}: the API token would travel unencrypted`,
        'use https:// with tls.caFile or tls.fingerprint',
      );
    }
    if (tls) throw configError('tls settings given for an http:// endpoint', 'use https:// or drop the tls settings');
  } else if (url.protocol !== 'https:') {
    throw configError(
      `unsupported endpoint scheme '${url.protocol}'`,
      'use https:// (or http:// for a local simulator)',
    );
  }
  const base = url.pathname.replace(/\/+$/, '');
  url.pathname = base.endsWith('/api2/json') ? base : `${base}/api2/json`;
  return url;
}

/** The most telling error code in undici's error chain (e.g. ECONNRESET under UND_ERR_SOCKET). */
function transportCode(error: unknown): string {
  const codes: string[] = [];
  let e: unknown = error;
  for (let i = 0; i < 5 && e && typeof e === 'object'; i++) {
    const { code, name } = e as { code?: unknown; name?: unknown };
    if (name === 'TimeoutError') return 'ETIMEDOUT';
    if (name === 'AbortError') codes.push('ABORT_ERR');
    if (typeof code === 'string') codes.push(code);
    e = (e as { cause?: unknown }).cause;
  }
  return codes.find((c) => c !== 'UND_ERR_SOCKET') ?? codes[0] ?? 'UNKNOWN';
}

/** Every request in flight listens to it: no listener limit (the default 10 would warn). */
function downController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}

/**
 * undici defers an abort of a request still queued for a connection until it gets one (another
 * connect bound on a black hole); the caller stops waiting at once instead.
 */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) promise.catch(() => undefined);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void =>
      reject(Object.assign(new Error('aborted: the endpoint is unreachable'), { name: 'AbortError' }));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

export class HttpTransport implements ProxmoxTransport {
  readonly #base: URL;
  readonly #connectMs: number;
  /** Whether the endpoint ever answered (any HTTP status): until then connect failures are final. */
  #answered = false;
  /** The last connect failure before any answer, replayed to requests made within the connect bound. */
  #down?: { error: ProxmoxApiError; until: number };
  /** Aborted by that failure: requests still waiting for a connection end with it too. */
  #downSignal = downController();
  readonly #auth: string;
  readonly #secret: string;
  readonly #newAgent: () => { agent: Agent; sockets: Set<Socket>; abandoned: boolean };
  /** The connection pool and the sockets its connector opened (to end connects in progress). */
  #pool: { agent: Agent; sockets: Set<Socket>; abandoned: boolean };
  readonly #policy: RetryPolicy;
  readonly #requestMs: number;
  readonly #onRequest?: (event: RequestEvent) => void;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #now: () => number;
  readonly #random: () => number;

  constructor(options: TransportOptions) {
    if (!TOKEN_ID_RE.test(options.tokenId)) {
      throw configError(
        `invalid API token id '${options.tokenId}'`,
        'the token id has the form user@realm!tokenname, e.g. phoenix@pve!deploy',
      );
    }
    if (!options.tokenSecret)
      throw configError('the API token secret is empty', 'set the token secret (env:NAME or file:path in the config)');
    this.#base = parseEndpoint(options.endpoint, options.tls);
    this.#secret = options.tokenSecret;
    this.#auth = `PVEAPIToken=${options.tokenId}=${options.tokenSecret}`;
    const connectMs = options.timeouts?.connectMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.#connectMs = connectMs;
    this.#requestMs = options.timeouts?.requestMs ?? 60_000;
    // pveproxy closes idle connections after 5 s; closing ours first avoids reusing a socket the
    // server is closing (the 599 / reset race of spec §8.10).
    const keepAlive = options.timeouts?.keepAliveMs ?? 4_000;
    const connector =
      this.#base.protocol === 'https:'
        ? buildTlsConnector(options.tls ?? {}, connectMs)
        : buildConnector({ timeout: connectMs });
    this.#newAgent = () => {
      const sockets = new Set<Socket>();
      const pool = { sockets, abandoned: false } as { agent: Agent; sockets: Set<Socket>; abandoned: boolean };
      pool.agent = new Agent({
        connections: options.maxConnections ?? 8,
        pipelining: 1,
        keepAliveTimeout: keepAlive,
        keepAliveMaxTimeout: keepAlive,
        headersTimeout: this.#requestMs,
        bodyTimeout: this.#requestMs,
        connect: (connectOptions, callback) => {
          // An abandoned pool opens nothing more (undici reconnects for queued requests first).
          if (pool.abandoned) return callback(new Error('abandoned: the endpoint did not answer'), null);
          // undici's connector returns the socket it opens (its types say void).
          const socket = connector(connectOptions, callback) as unknown as Socket | undefined;
          if (socket) {
            sockets.add(socket);
            socket.once('close', () => sockets.delete(socket));
          }
          return socket;
        },
      });
      return pool;
    };
    this.#pool = this.#newAgent();
    this.#policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.#onRequest = options.onRequest;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
  }

  /** Base URL without credentials, for messages. */
  get baseUrl(): string {
    return this.#base.toString();
  }

  async request<T = unknown>(
    method: HttpMethod,
    path: string,
    params?: Params,
    options: RequestOptions = {},
  ): Promise<T> {
    const repeatable = options.retryUnsafe ?? method !== 'POST';
    // An endpoint that never answered and just failed to connect fails the same way at once: the
    // ten requests of a plan must not each wait out a black hole or retry a refused port.
    if (!this.#answered && this.#down && this.#now() < this.#down.until) throw this.#down.error;
    if (this.#downSignal.signal.aborted) this.#downSignal = downController();
    const down = this.#downSignal.signal;
    const started = this.#now();
    const deadline = started + (options.timeoutMs ?? this.#policy.maxTotalMs);
    for (let attempt = 1; ; attempt++) {
      try {
        // The last attempt still gets a useful timeout (at least 1 s) rather than a token one.
        const remaining = Math.max(1_000, deadline - this.#now());
        return await this.#once<T>(method, path, params, options, attempt, Math.min(this.#requestMs, remaining), down);
      } catch (error) {
        if (!this.#answered && isConnectError(error)) {
          // Fail fast: a wrong port, host or firewall does not fix itself within a retry budget.
          this.#down = { error, until: this.#now() + Math.max(this.#connectMs, 30_000) };
          this.#downSignal.abort();
          this.#abandonPool();
          throw error;
        }
        if (down.aborted && this.#down) throw this.#down.error;
        if (!(error instanceof ProxmoxApiError) || !mayRetry(error, repeatable) || attempt >= this.#policy.maxAttempts)
          throw error;
        const delay = backoffDelay(this.#policy, attempt, this.#random);
        if (this.#now() + delay > deadline) throw error;
        await this.#sleep(delay);
      }
    }
  }

  async #once<T>(
    method: HttpMethod,
    path: string,
    params: Params | undefined,
    options: RequestOptions,
    attempt: number,
    timeoutMs: number,
    down: AbortSignal,
  ): Promise<T> {
    const url = new URL(this.#base.toString());
    url.pathname = `${this.#base.pathname}${path.startsWith('/') ? path : `/${path}`}`;
    const encoded = encodeParams(params);
    const hasBody = (method === 'POST' || method === 'PUT') && encoded !== '';
    if (!hasBody && encoded) url.search = encoded;
    const headers: Record<string, string> = { authorization: this.#auth, accept: 'application/json' };
    if (hasBody) headers['content-type'] = 'application/x-www-form-urlencoded';
    const signals = [AbortSignal.timeout(timeoutMs), down, ...(options.signal ? [options.signal] : [])];
    const t0 = this.#now();
    let status = 0;
    try {
      const response = await untilAborted(
        undiciRequest(url, {
          dispatcher: this.#pool.agent,
          method,
          headers,
          body: hasBody ? encoded : undefined,
          signal: AbortSignal.any(signals),
        }),
        down,
      );
      status = response.statusCode;
      this.#answered = true;
      const text = await response.body.text();
      return this.#decode<T>(method, path, status, response.statusText, text, options.resource);
    } catch (error) {
      if (error instanceof PhoenixError) throw error;
      const code = transportCode(error);
      const connect = this.#connectProblem(code);
      const message = connect?.reason ?? this.#redact(error instanceof Error ? error.message : String(error));
      throw new ProxmoxApiError({
        status: 0,
        message,
        method,
        path,
        resource: options.resource,
        transportCode: code,
        ...(connect && { hint: connect.hint, endpoint: this.#base.origin }),
      });
    } finally {
      this.#onRequest?.({ method, path, status, durationMs: this.#now() - t0, attempt });
    }
  }

  /** What a connect-phase failure means for this endpoint, naming the port actually used. */
  #connectProblem(code: string): { reason: string; hint: string } | undefined {
    const port = this.#base.port || (this.#base.protocol === 'https:' ? '443' : '80');
    const implicit =
      this.#base.port === '' ? ` (the endpoint names no port, so ${port}; pveproxy listens on 8006)` : '';
    const where = `check proxmox.endpoint (${this.#base.origin}): the host is up, and port ${port}${implicit} is reachable from here`;
    if (code === 'UND_ERR_CONNECT_TIMEOUT') {
      const seconds = this.#connectMs / 1000;
      return {
        reason: `no answer within ${seconds} s (connect timeout: the address drops packets or nothing answers the TLS handshake)`,
        hint: `${where}; a slow host can be given longer with proxmox.connectTimeout (now ${seconds} s)`,
      };
    }
    const reason = CONNECT_REASONS[code];
    return reason ? { reason: `${reason} (${code})`, hint: where } : undefined;
  }

  #decode<T>(method: HttpMethod, path: string, status: number, reason: string, text: string, resource?: string): T {
    let body: { data?: unknown; message?: unknown; errors?: unknown } | undefined;
    try {
      body = text ? (JSON.parse(text) as typeof body) : undefined;
    } catch {
      body = undefined;
    }
    if (status >= 200 && status < 300) {
      if (body === undefined || typeof body !== 'object' || body === null) {
        throw new ProxmoxApiError({ status, message: 'response is not a JSON envelope', method, path, resource });
      }
      return body.data as T;
    }
    const apiMessage =
      typeof body?.message === 'string' && body.message.trim() ? body.message.trim() : reason || `HTTP ${status}`;
    const errors: Record<string, string> = {};
    if (body?.errors && typeof body.errors === 'object') {
      for (const [k, v] of Object.entries(body.errors)) errors[k] = this.#redact(String(v).trim());
    }
    throw new ProxmoxApiError({
      status,
      message: this.#redact(apiMessage),
      errors,
      reason: this.#redact(reason),
      method,
      path,
      resource,
    });
  }

  #redact(text: string): string {
    return this.#secret ? text.split(this.#secret).join('***') : text;
  }

  /**
   * The endpoint never answered and a connect failed: the requests still queued or connecting
   * would each wait out another connect bound (and keep the process alive). End them now; later
   * requests get a fresh pool.
   */
  #abandonPool(): void {
    const old = this.#pool;
    const { agent, sockets } = old;
    old.abandoned = true;
    this.#pool = this.#newAgent();
    agent.destroy().catch(() => undefined);
    for (const socket of sockets) socket.destroy(new Error('abandoned: the endpoint did not answer'));
  }

  /** Closes pooled connections; safe to call more than once. */
  async close(): Promise<void> {
    const { agent } = this.#pool;
    if (agent.closed || agent.destroyed) return;
    await agent.close();
  }
}
