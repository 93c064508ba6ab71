/**
 * Phoenix's Portainer API client: HTTPS through a dialer, the server's certificate verified
 * against the internal root (there is no option to skip it). Only the calls Phoenix makes, each
 * shaped as ../shared/schemas/portainer-api.yaml defines it — environment creation is the
 * documented multipart/form-data call. Every request is counted (method and path only, never a
 * body or header) so tests and benchmarks can prove a converged apply writes nothing. Secrets
 * (password, JWT, API key) travel only in bodies and headers and never in errors or the log.
 */
import { Agent, request, type RequestOptions } from 'node:https';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { ProviderError } from '../../errors.ts';
import type { Dial } from '../dial/dialer.ts';

export interface PortainerEndpoint {
  host: string;
  port: number;
  /** PEM of the root(s) Portainer's certificate must chain to (the internal CA). */
  ca: string;
  dial: Dial;
  /** Name the certificate must carry (default: host). */
  servername?: string;
  timeoutMs?: number;
}

export interface PortainerCallStats {
  total: number;
  mutating: number;
  /** `POST /api/endpoints`: method and path only. */
  calls: string[];
}

/** A failed call; `status` is the HTTP status, `message` Portainer's own text. */
export class PortainerApiError extends ProviderError {
  readonly status?: number;
  readonly retryable: boolean;
  constructor(operation: string, status: number | undefined, message: string, retryable: boolean) {
    super(`portainer ${operation}: ${message}`, { code: 'E_PORTAINER', detail: message });
    this.status = status;
    this.retryable = retryable;
  }
}

export interface PortainerStatus {
  Version?: string;
  InstanceID?: string;
}
export interface PortainerApiKey {
  id: number;
  description?: string;
  userId?: number;
  prefix?: string;
}
export interface PortainerEnvironment {
  Id: number;
  Name: string;
  Type: number;
  URL: string;
  Status?: number;
  TLSConfig?: { TLS: boolean; TLSSkipVerify: boolean };
}

/** The multipart fields of `POST /endpoints` (EndpointCreate) Phoenix sends for an agent environment. */
export interface AgentEnvironmentInput {
  name: string;
  /** `tcp://host:9001`: where Portainer reaches the agent. */
  url: string;
  /** PEM of the root the agent's certificate must chain to: Portainer verifies the agent with it. */
  caCert: string;
  groupId?: number;
}

/** Environment types (portainer.EndpointType): 2 is an agent on Docker. */
export const AGENT_ON_DOCKER = 2;

const TRANSIENT = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH']);

type Auth = { apiKey: string } | { jwt: string } | undefined;

/**
 * An https agent whose connections come from the dialer, with TLS verified against the
 * internal root only (Node's own checks, `rejectUnauthorized` fixed to true).
 */
class DialAgent extends Agent {
  constructor(private readonly endpoint: PortainerEndpoint) {
    super({ keepAlive: false });
  }
  override createConnection(
    _options: RequestOptions,
    callback?: (error: Error | null, socket: Duplex) => void,
  ): Duplex | null | undefined {
    const { host, port, ca, dial, servername } = this.endpoint;
    const name = servername ?? host;
    dial(host, port).then(
      (raw) =>
        callback?.(
          null,
          tlsConnect({
            socket: raw,
            ca,
            // The identity checked is this name; SNI carries it only when it is a DNS name.
            host: name,
            ...(isIP(name) === 0 ? { servername: name } : {}),
            rejectUnauthorized: true,
          }),
        ),
      (error: Error) => callback?.(error, undefined as never),
    );
    return undefined;
  }
}

export class PortainerClient {
  readonly stats: PortainerCallStats = { total: 0, mutating: 0, calls: [] };
  private dialAgent?: DialAgent;
  constructor(private readonly endpoint: PortainerEndpoint) {}

  private agent(): DialAgent {
    this.dialAgent ??= new DialAgent(this.endpoint);
    return this.dialAgent;
  }

  resetStats(): void {
    this.stats.total = 0;
    this.stats.mutating = 0;
    this.stats.calls = [];
  }

  private send<T>(
    method: string,
    path: string,
    options: {
      auth?: Auth;
      json?: unknown;
      form?: FormData;
      query?: Record<string, string>;
      headers?: Record<string, string>;
    } = {},
  ): Promise<{ status: number; body: T }> {
    const query = options.query ? `?${new URLSearchParams(options.query).toString()}` : '';
    const operation = `${method} /api${path}`;
    this.stats.total += 1;
    if (method !== 'GET' && method !== 'HEAD') this.stats.mutating += 1;
    this.stats.calls.push(operation);
    return this.encode(options).then(
      ({ body, contentType }) =>
        new Promise((resolve, reject) => {
          const { host, port, timeoutMs = 30_000 } = this.endpoint;
          const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
          if (contentType) headers['Content-Type'] = contentType;
          if (body) headers['Content-Length'] = String(body.length);
          if (options.auth && 'apiKey' in options.auth) headers['X-API-KEY'] = options.auth.apiKey;
          if (options.auth && 'jwt' in options.auth) headers.Authorization = `Bearer ${options.auth.jwt}`;
          const req = request({
            method,
            host,
            port,
            path: `/api${path}${query}`,
            headers,
            agent: this.agent(),
            timeout: timeoutMs,
          });
          req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
          req.on('error', (error: NodeJS.ErrnoException) =>
            reject(
              new PortainerApiError(
                operation,
                undefined,
                error.message,
                error.code !== undefined && TRANSIENT.has(error.code),
              ),
            ),
          );
          req.on('response', (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('error', reject);
            res.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              let parsed: unknown;
              try {
                parsed = text ? JSON.parse(text) : undefined;
              } catch {
                parsed = text;
              }
              const status = res.statusCode ?? 0;
              if (status >= 400) {
                const p = parsed as { message?: string; details?: string } | string | undefined;
                const message =
                  typeof p === 'object' && p ? [p.message, p.details].filter(Boolean).join(': ') : String(p ?? '');
                reject(
                  new PortainerApiError(
                    operation,
                    status,
                    message || `HTTP ${status}`,
                    status === 502 || status === 503,
                  ),
                );
              } else resolve({ status, body: parsed as T });
            });
          });
          req.end(body);
        }),
    );
  }

  /** JSON, or multipart/form-data serialised by the platform's own encoder (boundary and all). */
  private async encode(options: { json?: unknown; form?: FormData }): Promise<{ body?: Buffer; contentType?: string }> {
    if (options.form) {
      const encoded = new Response(options.form);
      return {
        body: Buffer.from(await encoded.arrayBuffer()),
        contentType: encoded.headers.get('content-type') ?? undefined,
      };
    }
    if (options.json !== undefined)
      return { body: Buffer.from(JSON.stringify(options.json)), contentType: 'application/json' };
    return {};
  }

  /** `GET /system/status` (public): answers once Portainer is up. */
  async status(): Promise<PortainerStatus> {
    return (await this.send<PortainerStatus>('GET', '/system/status')).body;
  }

  /** `GET /users/admin/check`: true when the administrator exists (204), false on 404. */
  async adminExists(): Promise<boolean> {
    try {
      await this.send('GET', '/users/admin/check');
      return true;
    } catch (error) {
      if (error instanceof PortainerApiError && error.status === 404) return false;
      throw error;
    }
  }

  /** `POST /users/admin/init`: creates the administrator of a fresh instance. */
  async adminInit(username: string, password: string, setupToken?: string): Promise<void> {
    await this.send('POST', '/users/admin/init', {
      json: { Username: username, Password: password },
      ...(setupToken ? { headers: { 'X-Setup-Token': setupToken } } : {}),
    });
  }

  /** `POST /auth`: a JWT for the user. */
  async login(username: string, password: string): Promise<{ jwt: string; userId: number }> {
    // The document (auth.authenticatePayload) marks `apiKey` required next to the credentials;
    // an empty one keeps the request valid and means "log in with the password".
    const { body } = await this.send<{ jwt?: string }>('POST', '/auth', {
      json: { username, password, apiKey: '' },
    });
    if (!body?.jwt) throw new PortainerApiError('POST /api/auth', 200, 'no jwt in the answer', false);
    return { jwt: body.jwt, userId: jwtUserId(body.jwt) };
  }

  /** `POST /users/{id}/tokens`: a new API key; its raw value is shown only here, once. */
  async createApiKey(
    jwt: string,
    userId: number,
    description: string,
    password: string,
  ): Promise<{ raw: string; key: PortainerApiKey }> {
    const { body } = await this.send<{ rawAPIKey?: string; apiKey?: PortainerApiKey }>(
      'POST',
      `/users/${userId}/tokens`,
      { auth: { jwt }, json: { description, password } },
    );
    if (!body?.rawAPIKey || !body.apiKey)
      throw new PortainerApiError(`POST /api/users/${userId}/tokens`, 200, 'no API key in the answer', false);
    return { raw: body.rawAPIKey, key: body.apiKey };
  }

  /** `GET /endpoints?name=`: environments with exactly this name (API key auth). */
  async environmentsNamed(apiKey: string, name: string): Promise<PortainerEnvironment[]> {
    const { body } = await this.send<PortainerEnvironment[]>('GET', '/endpoints', {
      auth: { apiKey },
      query: { name, excludeSnapshots: 'true' },
    });
    return (body ?? []).filter((e) => e.Name === name);
  }

  /**
   * `POST /endpoints` (EndpointCreate) as multipart/form-data: an agent environment whose agent
   * is verified against `caCert` (TLSSkipVerify false; the CA is uploaded as TLSCACertFile).
   */
  async createAgentEnvironment(apiKey: string, input: AgentEnvironmentInput): Promise<PortainerEnvironment> {
    const form = new FormData();
    form.append('Name', input.name);
    form.append('EndpointCreationType', String(AGENT_ON_DOCKER));
    form.append('URL', input.url);
    form.append('GroupID', String(input.groupId ?? 1));
    form.append('TLS', 'true');
    form.append('TLSSkipVerify', 'false');
    // The agent authenticates Portainer by signature, not by a client certificate.
    form.append('TLSSkipClientVerify', 'true');
    form.append('TLSCACertFile', new Blob([input.caCert], { type: 'application/x-pem-file' }), 'ca.pem');
    return (await this.send<PortainerEnvironment>('POST', '/endpoints', { auth: { apiKey }, form })).body;
  }

  /** `DELETE /endpoints/{id}`. */
  async deleteEnvironment(apiKey: string, id: number): Promise<void> {
    await this.send('DELETE', `/endpoints/${id}`, { auth: { apiKey } });
  }
}

/** The user id a Portainer JWT carries (`id` claim); 1 (the first administrator) when absent. */
function jwtUserId(jwt: string): number {
  try {
    const payload = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      id?: unknown;
    };
    return typeof payload.id === 'number' ? payload.id : 1;
  } catch {
    return 1;
  }
}
