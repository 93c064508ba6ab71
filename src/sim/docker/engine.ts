/**
 * A simulated Docker Engine (API v1.41, the single-node Swarm subset Phoenix uses), served over
 * a unix socket. Answers follow the shapes and status codes of
 * ../shared/schemas/docker-engine-api-v1.41.yaml, with the daemon's real error texts for the
 * common failures (not a manager, name conflict, out-of-sequence update, object in use, no such
 * image). Tasks progress over time: `new` → `running` after `taskStartMs`, or `rejected` with
 * `No such image: <image>` when the image was never imported.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

type Labels = Record<string, string>;
interface Obj {
  ID: string;
  Version: { Index: number };
  CreatedAt: string;
  UpdatedAt: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  Spec: any;
}
interface Task {
  ID: string;
  ServiceID: string;
  Slot?: number;
  NodeID: string;
  DesiredState: string;
  Spec: unknown;
  Status: { State: string; Timestamp: string; Message: string; Err?: string };
  startAt: number;
  imageOk: boolean;
}
interface Network {
  Id: string;
  Name: string;
  Driver: string;
  Scope: string;
  Attachable: boolean;
  Labels: Labels;
  Options: Labels;
}

const NOT_MANAGER =
  'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.';

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface SimDockerOptions {
  hostname?: string;
  /** Simulated time a task takes from creation to running (ms). */
  taskStartMs?: number;
  now?: () => number;
}

export class SimDockerEngine {
  readonly hostname: string;
  private readonly taskStartMs: number;
  private readonly now: () => number;
  private swarm:
    { ID: string; Version: { Index: number }; JoinTokens: { Worker: string; Manager: string } } | undefined;
  private nodeId = id();
  private index = 1;
  private nodeSpec = { Role: 'manager', Availability: 'active', Labels: {} as Labels };
  private nodeVersion = 0;
  readonly images = new Set<string>();
  private networks: Network[] = [
    { Id: id(), Name: 'bridge', Driver: 'bridge', Scope: 'local', Attachable: false, Labels: {}, Options: {} },
  ];
  private secrets: Obj[] = [];
  private configs: Obj[] = [];
  private services: Obj[] = [];
  private tasks: Task[] = [];
  /** Every request as `METHOD path` (for tests that count calls on the server side). */
  readonly requests: string[] = [];

  constructor(options: SimDockerOptions = {}) {
    this.hostname = options.hostname ?? 'node1';
    this.taskStartMs = options.taskStartMs ?? 100;
    this.now = options.now ?? Date.now;
  }

  private stamp(): string {
    return new Date(this.now()).toISOString();
  }

  private manager(): void {
    if (!this.swarm) throw new HttpError(503, NOT_MANAGER);
  }

  private advance(): void {
    const now = this.now();
    for (const t of this.tasks) {
      if (t.DesiredState === 'running' && t.Status.State === 'new' && now >= t.startAt) {
        t.Status = t.imageOk
          ? { State: 'running', Timestamp: this.stamp(), Message: 'started' }
          : {
              State: 'rejected',
              Timestamp: this.stamp(),
              Message: 'preparing',
              Err: `No such image: ${imageOf(t.Spec)}`,
            };
      }
      if (t.DesiredState === 'shutdown' && t.Status.State === 'running') {
        t.Status = { State: 'shutdown', Timestamp: this.stamp(), Message: 'shutdown' };
      }
    }
  }

  /** Reconcile a service's tasks with its spec (replicas; a new spec replaces every task). */
  private reconcile(svc: Obj, replaceAll: boolean): void {
    const replicas = svc.Spec.Mode?.Replicated?.Replicas ?? 1;
    const live = this.tasks.filter((t) => t.ServiceID === svc.ID && t.DesiredState === 'running');
    for (const t of live) {
      if (replaceAll || (t.Slot ?? 0) > replicas) t.DesiredState = 'shutdown';
    }
    const slots = new Set(live.filter((t) => t.DesiredState === 'running').map((t) => t.Slot));
    for (let slot = 1; slot <= replicas; slot += 1) {
      if (slots.has(slot)) continue;
      const image = String(svc.Spec.TaskTemplate?.ContainerSpec?.Image ?? '');
      this.tasks.push({
        ID: id(),
        ServiceID: svc.ID,
        Slot: slot,
        NodeID: this.nodeId,
        DesiredState: 'running',
        Spec: structuredClone(svc.Spec.TaskTemplate),
        Status: { State: 'new', Timestamp: this.stamp(), Message: 'created' },
        startAt: this.now() + this.taskStartMs,
        imageOk: this.images.has(image.includes(':') ? image : `${image}:latest`),
      });
    }
  }

  private match(labels: Labels | undefined, filters: Record<string, string[]>, name: string, objId: string): boolean {
    for (const f of filters.label ?? []) {
      const at = f.indexOf('=');
      const key = at < 0 ? f : f.slice(0, at);
      if (!labels || !(key in labels) || (at >= 0 && labels[key] !== f.slice(at + 1))) return false;
    }
    if (filters.name && !filters.name.some((n) => name.includes(n))) return false;
    if (filters.id && !filters.id.some((i) => objId.startsWith(i))) return false;
    return true;
  }

  private list(objs: Obj[], filters: Record<string, string[]>): Obj[] {
    return objs.filter((o) => this.match(o.Spec.Labels, filters, o.Spec.Name, o.ID));
  }

  private find(objs: Obj[], key: string, kind: string): Obj {
    const found = objs.find((o) => o.ID === key || o.Spec.Name === key);
    if (!found) throw new HttpError(404, `${kind} ${key} not found`);
    return found;
  }

  private create(objs: Obj[], spec: { Name: string }, kind: string): Obj {
    if (objs.some((o) => o.Spec.Name === spec.Name)) {
      throw new HttpError(409, `rpc error: code = AlreadyExists desc = ${kind} ${spec.Name} already exists`);
    }
    const stamp = this.stamp();
    const obj: Obj = { ID: id(), Version: { Index: ++this.index }, CreatedAt: stamp, UpdatedAt: stamp, Spec: spec };
    objs.push(obj);
    return obj;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  handle(method: string, path: string, query: URLSearchParams, body: any): [number, unknown] {
    this.advance();
    const filters = query.get('filters')
      ? (normalizeFilters(JSON.parse(query.get('filters')!)) as Record<string, string[]>)
      : {};
    const parts = path.split('/').filter(Boolean);
    const [head, second, third] = parts;
    const route = `${method} /${head ?? ''}${second && !third ? '/:x' : ''}${third ? `/:x/${third}` : ''}`;
    switch (route) {
      case 'GET /_ping':
        return [200, 'OK'];
      case 'GET /info':
        return [
          200,
          {
            Name: this.hostname,
            Swarm: {
              LocalNodeState: this.swarm ? 'active' : 'inactive',
              NodeID: this.swarm ? this.nodeId : '',
              ControlAvailable: !!this.swarm,
            },
          },
        ];
      case 'GET /swarm':
        this.manager();
        return [200, this.swarm];
      case 'POST /swarm/:x':
        if (second === 'init') {
          if (this.swarm)
            throw new HttpError(
              503,
              'This node is already part of a swarm. Use "docker swarm leave" to leave this swarm and join another one.',
            );
          if (!body?.AdvertiseAddr && !body?.ListenAddr) throw new HttpError(400, 'must specify a listening address');
          this.swarm = {
            ID: id(),
            Version: { Index: ++this.index },
            JoinTokens: {
              Worker: `SWMTKN-1-${randomBytes(24).toString('hex')}-w`,
              Manager: `SWMTKN-1-${randomBytes(24).toString('hex')}-m`,
            },
          };
          this.nodeVersion = ++this.index;
          return [200, this.nodeId];
        }
        throw new HttpError(404, `page not found`);
      case 'GET /nodes':
        this.manager();
        return [
          200,
          [
            {
              ID: this.nodeId,
              Version: { Index: this.nodeVersion },
              Spec: this.nodeSpec,
              Description: { Hostname: this.hostname },
              Status: { State: 'ready', Addr: '127.0.0.1' },
            },
          ],
        ];
      case 'POST /nodes/:x/update':
        this.manager();
        if (Number(query.get('version')) !== this.nodeVersion)
          throw new HttpError(500, 'rpc error: code = Unknown desc = update out of sequence');
        this.nodeSpec = { Role: body.Role, Availability: body.Availability, Labels: body.Labels ?? {} };
        this.nodeVersion = ++this.index;
        return [200, ''];
      case 'GET /networks':
        return [
          200,
          this.networks.filter(
            (n) =>
              this.match(n.Labels, filters, n.Name, n.Id) && (!filters.driver || filters.driver.includes(n.Driver)),
          ),
        ];
      case 'POST /networks/:x': {
        if (second !== 'create') throw new HttpError(404, 'page not found');
        if (body.Driver === 'overlay') this.manager();
        if (this.networks.some((n) => n.Name === body.Name))
          throw new HttpError(409, `network with name ${body.Name} already exists`);
        const net: Network = {
          Id: id(),
          Name: body.Name,
          Driver: body.Driver ?? 'bridge',
          Scope: body.Driver === 'overlay' ? 'swarm' : 'local',
          Attachable: !!body.Attachable,
          Labels: body.Labels ?? {},
          Options: body.Options ?? {},
        };
        this.networks.push(net);
        return [201, { Id: net.Id, Warning: '' }];
      }
      case 'DELETE /networks/:x': {
        const net = this.networks.find((n) => n.Id === second || n.Name === second);
        if (!net) throw new HttpError(404, `network ${second} not found`);
        const users = this.services.filter((s) =>
          (s.Spec.TaskTemplate?.Networks ?? []).some(
            (t: { Target: string }) => t.Target === net.Id || t.Target === net.Name,
          ),
        );
        if (users.length > 0)
          throw new HttpError(
            403,
            `rpc error: code = FailedPrecondition desc = network ${net.Id} is in use by service ${users[0]!.ID}`,
          );
        this.networks = this.networks.filter((n) => n !== net);
        return [204, ''];
      }
      case 'GET /secrets':
      case 'GET /configs':
        this.manager();
        return [200, this.list(head === 'secrets' ? this.secrets : this.configs, filters)];
      case 'POST /secrets/:x':
      case 'POST /configs/:x': {
        this.manager();
        const kind = head === 'secrets' ? 'secret' : 'config';
        if (typeof body?.Data !== 'string') throw new HttpError(400, `${kind} data must be base64`);
        // Data is write-only for secrets: the spec keeps no Data when listed.
        const { Data: _data, ...spec } = body;
        const obj = this.create(
          head === 'secrets' ? this.secrets : this.configs,
          head === 'secrets' ? spec : body,
          kind,
        );
        return [201, { ID: obj.ID }];
      }
      case 'DELETE /secrets/:x':
      case 'DELETE /configs/:x': {
        this.manager();
        const objs = head === 'secrets' ? this.secrets : this.configs;
        const kind = head === 'secrets' ? 'secret' : 'config';
        const obj = this.find(objs, second!, kind);
        const field = head === 'secrets' ? 'Secrets' : 'Configs';
        const user = this.services.find((s) =>
          ((s.Spec.TaskTemplate?.ContainerSpec?.[field] ?? []) as { SecretID?: string; ConfigID?: string }[]).some(
            (r) => (r.SecretID ?? r.ConfigID) === obj.ID,
          ),
        );
        if (user)
          throw new HttpError(
            400,
            `rpc error: code = InvalidArgument desc = ${kind} '${obj.Spec.Name}' is in use by the following service: ${user.Spec.Name}`,
          );
        objs.splice(objs.indexOf(obj), 1);
        return [204, ''];
      }
      case 'GET /services':
        this.manager();
        return [200, this.list(this.services, filters)];
      case 'POST /services/:x': {
        this.manager();
        if (second !== 'create') throw new HttpError(404, 'page not found');
        const svc = this.create(this.services, body, 'service');
        this.reconcile(svc, false);
        return [201, { ID: svc.ID }];
      }
      case 'POST /services/:x/update': {
        this.manager();
        const svc = this.find(this.services, second!, 'service');
        if (Number(query.get('version')) !== svc.Version.Index)
          throw new HttpError(500, 'rpc error: code = Unknown desc = update out of sequence');
        const templateChanged = JSON.stringify(svc.Spec.TaskTemplate) !== JSON.stringify(body.TaskTemplate);
        svc.Spec = body;
        svc.Version = { Index: ++this.index };
        svc.UpdatedAt = this.stamp();
        this.reconcile(svc, templateChanged);
        return [200, { Warnings: null }];
      }
      case 'DELETE /services/:x': {
        this.manager();
        const svc = this.find(this.services, second!, 'service');
        this.services = this.services.filter((s) => s !== svc);
        this.tasks = this.tasks.filter((t) => t.ServiceID !== svc.ID);
        return [200, ''];
      }
      case 'GET /tasks': {
        this.manager();
        return [
          200,
          this.tasks
            .filter((t) => {
              const svc = this.services.find((s) => s.ID === t.ServiceID);
              if (filters.service && !filters.service.some((f) => f === t.ServiceID || f === svc?.Spec.Name))
                return false;
              if (filters['desired-state'] && !filters['desired-state'].includes(t.DesiredState)) return false;
              return this.match(
                (svc?.Spec.TaskTemplate?.ContainerSpec?.Labels ?? {}) as Labels,
                { label: filters.label ?? [] },
                '',
                t.ID,
              );
            })
            .map(({ startAt: _s, imageOk: _i, ...task }) => task),
        ];
      }
      default:
        throw new HttpError(404, 'page not found');
    }
  }

  /** `POST /images/create?fromSrc=-&repo=&tag=` (docker import): records the image. */
  private importImage(query: URLSearchParams): [number, unknown] {
    const repo = query.get('repo');
    if (query.get('fromSrc') !== '-' || !repo)
      throw new HttpError(400, 'only imports from the request body are simulated');
    this.images.add(`${repo}:${query.get('tag') || 'latest'}`);
    return [200, { status: `sha256:${randomBytes(32).toString('hex')}` }];
  }

  async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const url = new URL(request.url ?? '/', 'http://docker');
    const path = url.pathname.replace(/^\/v1\.\d+/, '');
    this.requests.push(`${request.method} ${path}`);
    let status: number;
    let payload: unknown;
    try {
      if (request.method === 'POST' && path === '/images/create') {
        [status, payload] = this.importImage(url.searchParams);
      } else {
        const text = Buffer.concat(chunks).toString('utf8');
        [status, payload] = this.handle(
          request.method ?? 'GET',
          path,
          url.searchParams,
          text ? JSON.parse(text) : undefined,
        );
      }
    } catch (error) {
      if (error instanceof HttpError) [status, payload] = [error.status, { message: error.message }];
      else if (error instanceof SyntaxError) [status, payload] = [400, { message: `invalid JSON: ${error.message}` }];
      else throw error;
    }
    if (status === 204) {
      response.writeHead(204).end();
      return;
    }
    const text = typeof payload === 'string' && path !== '/swarm/init' ? payload : JSON.stringify(payload);
    response.writeHead(status, {
      'Content-Type': typeof payload === 'string' && path === '/_ping' ? 'text/plain' : 'application/json',
      'Api-Version': '1.41',
    });
    response.end(text);
  }
}

function id(): string {
  return randomBytes(13).toString('hex').slice(0, 25);
}

function imageOf(spec: unknown): string {
  return String((spec as { ContainerSpec?: { Image?: string } })?.ContainerSpec?.Image ?? '');
}

/** Filters arrive as `{key: [values]}` or the older `{key: {value: true}}`. */
function normalizeFilters(raw: Record<string, unknown>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(raw))
    out[key] = Array.isArray(value) ? value.map(String) : Object.keys(value as object);
  return out;
}

export interface SimDockerServer {
  engine: SimDockerEngine;
  socketPath: string;
  close(): Promise<void>;
}

export async function startSimDocker(socketPath: string, options: SimDockerOptions = {}): Promise<SimDockerServer> {
  const engine = new SimDockerEngine(options);
  const server: Server = createServer((req, res) => {
    engine.serve(req, res).catch((error: unknown) => {
      res.writeHead(500, { 'Content-Type': 'application/json' }).end(JSON.stringify({ message: String(error) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return { engine, socketPath, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
