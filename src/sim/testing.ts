/**
 * @module Test helper for every suite that talks to the simulator.
 *
 * `startTestSimulator()` starts it on 127.0.0.1 (plain HTTP, a random port, instant tasks by
 * default) and records every request. Requests the official schema rejects (400 `Parameter
 * verification failed.`) make `stop()` / `assertAllRequestsValid()` throw, unless the test
 * declared them with `allowInvalid(...)`: so every request any test sends is checked against
 * the PVE 8.4 schema.
 *
 * @example
 * const sim = await startTestSimulator();
 * try { ...point the client at sim.url with sim.token... } finally { await sim.stop(); }
 */
import { startSimulator, type RequestLogEntry, type RunningSimulator, type SimulatorOptions } from './index.ts';

export interface InvalidRequestMatch {
  method?: string;
  /** Exact API path below `/api2/json` (or a RegExp over it). */
  path?: string | RegExp;
  /** A parameter named in the rejection's `errors`. */
  param?: string;
}

export interface ApiResponse {
  status: number;
  /** The HTTP reason phrase (PVE puts the error text's first line here). */
  statusText: string;
  headers: Headers;
  /** Parsed JSON body, or undefined for an empty body. */
  body: { data: unknown; errors?: Record<string, string>; message?: string; [key: string]: unknown } | undefined;
}

export interface TestSimulator extends RunningSimulator {
  /** Every request so far, in order. */
  readonly requests: RequestLogEntry[];
  /** Declares that requests matching `match` may be rejected by schema validation. */
  allowInvalid(match: InvalidRequestMatch): void;
  /** Schema rejections not declared with `allowInvalid`. */
  invalidRequests(): RequestLogEntry[];
  /** Throws if any request was rejected by schema validation without being declared. */
  assertAllRequestsValid(): void;
  /**
   * A request with the Phoenix token (or `headers` you pass): params go in the query for
   * GET/DELETE and as a form body otherwise.
   */
  api(
    method: string,
    path: string,
    params?: Record<string, string | number | string[]>,
    headers?: Record<string, string>,
  ): Promise<ApiResponse>;
  /** Stops the simulator, then asserts all requests were valid. */
  stop(): Promise<void>;
}

function isSchemaRejection(entry: RequestLogEntry): boolean {
  return entry.rejectedBySchema === true;
}

function matches(entry: RequestLogEntry, match: InvalidRequestMatch): boolean {
  if (match.method && match.method !== entry.method) return false;
  const apiPath = entry.path.replace(/^\/api2\/json/, '');
  if (typeof match.path === 'string' && match.path !== apiPath) return false;
  if (match.path instanceof RegExp && !match.path.test(apiPath)) return false;
  if (match.param && !(match.param in (entry.errors ?? {}))) return false;
  return true;
}

export async function startTestSimulator(options: SimulatorOptions = {}): Promise<TestSimulator> {
  const requests: RequestLogEntry[] = [];
  const allowed: InvalidRequestMatch[] = [];
  const sim = await startSimulator({
    tls: false,
    speed: 0,
    authDelayMs: 0,
    ...options,
    onRequest: (entry) => {
      requests.push(entry);
      options.onRequest?.(entry);
    },
  });
  const invalidRequests = (): RequestLogEntry[] =>
    requests.filter((entry) => isSchemaRejection(entry) && !allowed.some((match) => matches(entry, match)));
  const assertAllRequestsValid = (): void => {
    const invalid = invalidRequests();
    if (invalid.length === 0) return;
    const lines = invalid.map((e) => `  ${e.method} ${e.path}: ${JSON.stringify(e.errors)}`).join('\n');
    throw new Error(
      `${invalid.length} request(s) to the simulator were rejected by the PVE 8.4 schema:\n${lines}\n` +
        'Fix the request, or declare the rejection with sim.allowInvalid({ method, path, param }).',
    );
  };
  return {
    ...sim,
    requests,
    allowInvalid: (match) => {
      allowed.push(match);
    },
    invalidRequests,
    assertAllRequestsValid,
    async api(method, path, params = {}, headers) {
      const url = new URL(`${sim.url}/api2/json${path}`);
      const init: RequestInit = { method, headers: headers ?? { Authorization: `PVEAPIToken=${sim.token}` } };
      const form = new URLSearchParams();
      for (const [key, value] of Object.entries(params)) {
        for (const v of Array.isArray(value) ? value : [value]) form.append(key, String(v));
      }
      if (method === 'GET' || method === 'DELETE') url.search = form.toString();
      else init.body = form;
      const res = await fetch(url, init);
      const text = await res.text();
      return {
        status: res.status,
        statusText: res.statusText,
        headers: res.headers,
        body: text === '' ? undefined : (JSON.parse(text) as ApiResponse['body']),
      };
    },
    async stop() {
      await sim.stop();
      assertAllRequestsValid();
    },
  };
}
