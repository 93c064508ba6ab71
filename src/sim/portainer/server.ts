/**
 * A simulated Portainer (the API subset Phoenix uses) served over HTTPS on loopback. Every
 * request first passes the OpenAPI gatekeeper (openapi.ts); one it refuses is answered 400 and
 * recorded in `rejected()`, so a test fails on any request the document does not allow. Then
 * Portainer's own rules: the administrator is created once (from `--admin-password-file`, or by
 * `POST /users/admin/init` on a fresh instance, with the setup token when one is set), JWTs
 * and API keys authenticate, environment names are unique, and an agent environment that
 * verifies TLS needs a CA certificate that parses.
 */
import { createHash, randomBytes, randomUUID, scryptSync, timingSafeEqual, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { dirname } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import busboy from 'busboy';
import { SignJWT, jwtVerify } from 'jose';
import { loadPortainerSpec, type PortainerSpec } from './openapi.ts';

export interface SimPortainerOptions {
  /** PEM certificate chain and key Portainer serves (its `--sslcert`/`--sslkey`). */
  tls: { cert: string; key: string };
  /** The contents of `--admin-password-file`: the administrator exists from the start. */
  adminPassword?: string;
  /** A setup token `POST /users/admin/init` must carry (X-Setup-Token) on a fresh instance. */
  setupToken?: string;
  version?: string;
  host?: string;
  port?: number;
  specPath?: string;
  /** Where the instance keeps its database (Portainer's /data): loaded at start, written on every change. */
  dataFile?: string;
}

export interface SimEnvironment {
  Id: number;
  Name: string;
  Type: number;
  URL: string;
  GroupId: number;
  Status: number;
  TLSConfig: { TLS: boolean; TLSSkipVerify: boolean; TLSCACert?: string };
  /** The uploaded CA (kept like Portainer keeps it under /data/tls). */
  caPem?: string;
}

export interface SimPortainer {
  port: number;
  /** `METHOD /api/path` per request, in order (no bodies). */
  requests(): string[];
  /** Requests the OpenAPI document does not allow, with the reasons. */
  rejected(): { request: string; problems: string[] }[];
  environments(): SimEnvironment[];
  apiKeyCount(): number;
  stop(): Promise<void>;
}

interface User {
  id: number;
  username: string;
  salt: Buffer;
  hash: Buffer;
}
interface ApiKey {
  id: number;
  userId: number;
  description: string;
  digest: string;
  prefix: string;
  dateCreated: number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details = '',
  ) {
    super(message);
  }
}

/** Portainer's database as the simulator keeps it (hashes and digests only, never a raw key). */
interface SavedState {
  jwtKey: string;
  instanceId: string;
  users: { id: number; username: string; salt: string; hash: string }[];
  keys: ApiKey[];
  environments: SimEnvironment[];
  nextKeyId: number;
  nextEnvId: number;
  /** The simulator's request log (`METHOD /api/path`, the last 1000) and its refusals, for tests. */
  requests: string[];
  rejected: { request: string; problems: string[] }[];
}

function load(file: string): SavedState {
  return JSON.parse(readFileSync(file, 'utf8')) as SavedState;
}

function hashPassword(password: string, salt = randomBytes(16)): { salt: Buffer; hash: Buffer } {
  return { salt, hash: scryptSync(password, salt, 32) };
}

const MAX_BODY = 1024 * 1024;

function readBody(req: IncomingMessage): Promise<{ mediaType?: string; body?: unknown }> {
  const type = req.headers['content-type'];
  const mediaType = type?.split(';')[0]?.trim().toLowerCase();
  if (mediaType === 'multipart/form-data') {
    return new Promise((resolve, reject) => {
      const fields: Record<string, string> = {};
      let parser: busboy.Busboy;
      try {
        parser = busboy({ headers: req.headers, limits: { fileSize: MAX_BODY, fields: 100, files: 10 } });
      } catch (error) {
        reject(new HttpError(400, 'Invalid request payload', (error as Error).message));
        return;
      }
      parser.on('field', (name, value) => (fields[name] = value));
      parser.on('file', (name, stream) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => (fields[name] = Buffer.concat(chunks).toString('utf8')));
      });
      parser.on('error', (error: Error) => reject(new HttpError(400, 'Invalid request payload', error.message)));
      parser.on('close', () => resolve({ mediaType, body: fields }));
      req.pipe(parser);
    });
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) req.destroy();
      else chunks.push(c);
    });
    req.on('error', reject);
    req.on('end', () => {
      if (size === 0) return resolve({});
      const text = Buffer.concat(chunks).toString('utf8');
      if (mediaType === 'application/json') {
        try {
          resolve({ mediaType, body: JSON.parse(text) });
        } catch {
          reject(new HttpError(400, 'Invalid request payload', 'invalid JSON'));
        }
      } else resolve({ mediaType: mediaType ?? 'application/octet-stream', body: text });
    });
  });
}

export async function startSimPortainer(options: SimPortainerOptions): Promise<SimPortainer> {
  const spec: PortainerSpec = await loadPortainerSpec(options.specPath);
  const saved = options.dataFile && existsSync(options.dataFile) ? load(options.dataFile) : undefined;
  const jwtKey = saved ? Buffer.from(saved.jwtKey, 'hex') : randomBytes(32);
  const instanceId = saved?.instanceId ?? randomUUID();
  const log: string[] = saved?.requests ?? [];
  const rejected: { request: string; problems: string[] }[] = saved?.rejected ?? [];
  const users: User[] = (saved?.users ?? []).map((u) => ({
    id: u.id,
    username: u.username,
    salt: Buffer.from(u.salt, 'hex'),
    hash: Buffer.from(u.hash, 'hex'),
  }));
  const keys: ApiKey[] = saved?.keys ?? [];
  const environments: SimEnvironment[] = saved?.environments ?? [];
  let nextKeyId = saved?.nextKeyId ?? 1;
  let nextEnvId = saved?.nextEnvId ?? 1;
  // --admin-password-file initialises the administrator of an empty database only.
  if (options.adminPassword !== undefined && users.length === 0) {
    users.push({ id: 1, username: 'admin', ...hashPassword(options.adminPassword) });
  }
  const save = () => {
    if (!options.dataFile) return;
    mkdirSync(dirname(options.dataFile), { recursive: true, mode: 0o700 });
    const data: SavedState = {
      jwtKey: jwtKey.toString('hex'),
      instanceId,
      users: users.map((u) => ({
        id: u.id,
        username: u.username,
        salt: u.salt.toString('hex'),
        hash: u.hash.toString('hex'),
      })),
      keys,
      environments,
      nextKeyId,
      nextEnvId,
      requests: log.slice(-1000),
      rejected,
    };
    writeFileSync(options.dataFile, JSON.stringify(data), { mode: 0o600 });
  };

  async function authenticated(req: IncomingMessage): Promise<User> {
    const apiKey = req.headers['x-api-key'];
    if (typeof apiKey === 'string' && apiKey !== '') {
      const digest = createHash('sha256').update(apiKey).digest('hex');
      const key = keys.find((k) => k.digest === digest);
      const user = key && users.find((u) => u.id === key.userId);
      if (!user) throw new HttpError(401, 'Unauthorized', 'Invalid API key');
      return user;
    }
    const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    if (!bearer) throw new HttpError(401, 'Unauthorized', 'A valid authorisation token is missing');
    try {
      const { payload } = await jwtVerify(bearer, jwtKey);
      const user = users.find((u) => u.id === payload.id);
      if (!user) throw new Error('unknown user');
      return user;
    } catch {
      throw new HttpError(401, 'Unauthorized', 'Invalid JWT token');
    }
  }

  function publicKey(k: ApiKey) {
    return { id: k.id, userId: k.userId, description: k.description, prefix: k.prefix, dateCreated: k.dateCreated };
  }
  function publicEnv(e: SimEnvironment) {
    return {
      Id: e.Id,
      Name: e.Name,
      Type: e.Type,
      URL: e.URL,
      GroupId: e.GroupId,
      Status: e.Status,
      TLSConfig: e.TLSConfig,
      PublicURL: '',
      TagIds: [],
    };
  }

  async function route(
    req: IncomingMessage,
    method: string,
    path: string,
    query: URLSearchParams,
    body: unknown,
  ): Promise<[number, unknown]> {
    const form = (body ?? {}) as Record<string, unknown>;
    let m: RegExpExecArray | null;
    if (method === 'GET' && (path === '/api/system/status' || path === '/api/status'))
      return [200, { Version: options.version ?? '2.21.4', InstanceID: instanceId }];
    if (method === 'GET' && path === '/api/users/admin/check') {
      if (users.length === 0)
        throw new HttpError(404, 'User not found', 'No administrator account found inside the database');
      return [204, undefined];
    }
    if (method === 'POST' && path === '/api/users/admin/init') {
      if (users.length > 0)
        throw new HttpError(409, 'Unable to create administrator user', 'An administrator user already exists');
      if (options.setupToken !== undefined && req.headers['x-setup-token'] !== options.setupToken)
        throw new HttpError(403, 'Access denied', 'invalid or missing setup token');
      const password = String(form.Password);
      if (password.length < 12)
        throw new HttpError(400, 'Invalid request payload', 'Password must be at least 12 characters');
      const user: User = { id: 1, username: String(form.Username), ...hashPassword(password) };
      users.push(user);
      return [200, { Id: user.id, Username: user.username, Role: 1 }];
    }
    if (method === 'POST' && path === '/api/auth') {
      const user = users.find((u) => u.username === form.username);
      const ok = user && timingSafeEqual(scryptSync(String(form.password), user.salt, 32), user.hash);
      if (!user || !ok) throw new HttpError(422, 'Invalid credentials', 'Invalid credentials');
      const jwt = await new SignJWT({ id: user.id, username: user.username, role: 1 })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuedAt()
        .setExpirationTime('8h')
        .sign(jwtKey);
      return [200, { jwt }];
    }
    if ((m = /^\/api\/users\/(\d+)\/tokens$/.exec(path))) {
      const user = await authenticated(req);
      const id = Number(m[1]);
      if (user.id !== id) throw new HttpError(403, 'Permission denied', 'user can only manage its own API keys');
      if (method === 'GET') return [200, keys.filter((k) => k.userId === id).map(publicKey)];
      if (req.headers['x-api-key']) throw new HttpError(401, 'Unauthorized', 'an API key cannot create an API key');
      if (!timingSafeEqual(scryptSync(String(form.password), user.salt, 32), user.hash))
        throw new HttpError(403, 'Permission denied', "Current password doesn't match");
      const raw = `ptr_${randomBytes(32).toString('base64')}`;
      const key: ApiKey = {
        id: nextKeyId++,
        userId: id,
        description: String(form.description),
        digest: createHash('sha256').update(raw).digest('hex'),
        prefix: raw.slice(0, 7),
        dateCreated: Math.floor(Date.now() / 1000),
      };
      keys.push(key);
      return [200, { rawAPIKey: raw, apiKey: publicKey(key) }];
    }
    if ((m = /^\/api\/users\/(\d+)\/tokens\/(\d+)$/.exec(path)) && method === 'DELETE') {
      await authenticated(req);
      const at = keys.findIndex((k) => k.id === Number(m![2]) && k.userId === Number(m![1]));
      if (at < 0) throw new HttpError(404, 'Not found', 'Unable to find an api-key with the specified identifier');
      keys.splice(at, 1);
      return [204, undefined];
    }
    if (path === '/api/endpoints' && method === 'GET') {
      await authenticated(req);
      const name = query.get('name');
      return [200, environments.filter((e) => name === null || e.Name === name).map(publicEnv)];
    }
    if (path === '/api/endpoints' && method === 'POST') {
      await authenticated(req);
      const name = String(form.Name);
      if (environments.some((e) => e.Name === name))
        throw new HttpError(409, 'Name is not unique', 'Name is not unique');
      const type = Number(form.EndpointCreationType);
      if (type !== 2)
        throw new HttpError(400, 'Invalid request payload', 'the simulator creates agent environments only');
      const url = String(form.URL ?? '');
      if (!/^(tcp:\/\/)?[A-Za-z0-9._-]+:\d+$/.test(url))
        throw new HttpError(400, 'Invalid request payload', 'Invalid environment URL');
      const tls = form.TLS === 'true';
      const skip = form.TLSSkipVerify === 'true';
      let caPem: string | undefined;
      if (tls && !skip) {
        caPem = typeof form.TLSCACertFile === 'string' ? form.TLSCACertFile : undefined;
        try {
          if (!caPem) throw new Error('missing');
          new X509Certificate(caPem);
        } catch {
          throw new HttpError(400, 'Invalid request payload', 'Invalid CA certificate file');
        }
      }
      const env: SimEnvironment = {
        Id: nextEnvId++,
        Name: name,
        Type: type,
        URL: url.startsWith('tcp://') ? url : `tcp://${url}`,
        GroupId: Number(form.GroupID ?? 1),
        Status: 1,
        TLSConfig: {
          TLS: tls,
          TLSSkipVerify: skip,
          ...(caPem ? { TLSCACert: `/data/tls/${nextEnvId - 1}/ca.pem` } : {}),
        },
        ...(caPem ? { caPem } : {}),
      };
      environments.push(env);
      return [200, publicEnv(env)];
    }
    if ((m = /^\/api\/endpoints\/(\d+)$/.exec(path))) {
      await authenticated(req);
      const at = environments.findIndex((e) => e.Id === Number(m![1]));
      if (at < 0)
        throw new HttpError(404, 'Unable to find an environment with the specified identifier inside the database');
      if (method === 'GET') return [200, publicEnv(environments[at]!)];
      if (method === 'DELETE') {
        environments.splice(at, 1);
        return [204, undefined];
      }
    }
    throw new HttpError(501, 'Not implemented', `${method} ${path} is allowed by the document but not simulated`);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://portainer');
    const method = (req.method ?? 'GET').toUpperCase();
    const line = `${method} ${url.pathname}`;
    log.push(line);
    let status: number;
    let payload: unknown;
    try {
      const { mediaType, body } = await readBody(req);
      const query: Record<string, string | string[]> = {};
      for (const key of new Set(url.searchParams.keys())) {
        const all = url.searchParams.getAll(key);
        query[key] = all.length === 1 ? all[0]! : all;
      }
      const checked = spec.check({
        method,
        path: url.pathname,
        query,
        headers: req.headers,
        ...(mediaType ? { mediaType } : {}),
        ...(body !== undefined ? { body } : {}),
      });
      if (checked.documentedOnly)
        throw new HttpError(501, 'Not implemented', `${line} is in the document but not simulated`);
      if (!checked.operation) {
        rejected.push({ request: line, problems: checked.problems });
        throw new HttpError(404, 'Not found', checked.problems.join('; '));
      }
      if (checked.problems.length > 0) {
        rejected.push({ request: line, problems: checked.problems });
        throw new HttpError(400, 'Invalid request payload', checked.problems.join('; '));
      }
      [status, payload] = await route(req, method, url.pathname, url.searchParams, body);
    } catch (error) {
      const e = error instanceof HttpError ? error : new HttpError(500, 'Server error', (error as Error).message);
      status = e.status;
      payload = { message: e.message, details: e.details };
    }
    // Written after every request: the data, and the request log tests count across processes.
    save();
    const text = payload === undefined ? '' : JSON.stringify(payload);
    res.writeHead(status, text ? { 'Content-Type': 'application/json' } : {});
    res.end(text);
  }

  const server: Server = createServer({ cert: options.tls.cert, key: options.tls.key }, (req, res) => {
    void handle(req, res);
  });
  const sockets = new Set<Socket>();
  server.on('secureConnection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    requests: () => [...log],
    rejected: () => rejected.map((r) => ({ ...r, problems: [...r.problems] })),
    environments: () => environments.map((e) => ({ ...e })),
    apiKeyCount: () => keys.length,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
