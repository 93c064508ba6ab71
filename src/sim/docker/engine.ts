/**
 * A simulated Docker Engine (API v1.41, the Swarm subset Phoenix uses), one per simulated host,
 * served over a unix socket. Hosts on one simulated network (`SimDockerHosts`) form multi-node
 * Swarms: `swarm init` on one, `swarm join` on the others with the manager's address and token;
 * the Swarm's objects (nodes, overlay networks, secrets, configs, services, tasks) are shared
 * by its members and answered only by managers. Answers follow the shapes and status codes of
 * ../shared/schemas/docker-engine-api-v1.41.yaml, with the daemon's real error texts for the
 * common failures (not a manager, worker node, invalid join token, name conflict,
 * out-of-sequence update, object in use, no such image). Tasks are placed on the Swarm's
 * active nodes (constraints `node.role`, `node.hostname`, `node.labels.*`; global = one per
 * node) and progress over time: `new` → `running` after `taskStartMs`, or `rejected` with
 * `No such image: <image>` when the image is neither imported on the node nor pullable.
 * The whole network's state is a JSON snapshot (`snapshot`/`restore`) so a simulator that
 * stops and starts again (another Phoenix process) keeps its Swarm.
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
  CreatedAt: string;
  UpdatedAt: string;
  Version: { Index: number };
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
interface SwarmNode {
  ID: string;
  Version: { Index: number };
  CreatedAt: string;
  UpdatedAt: string;
  Spec: { Role: string; Availability: string; Labels: Labels };
  /** The host (engine) key on the simulated network. */
  host: string;
  hostname: string;
  addr: string;
}
/** One Swarm: shared by the engines that joined it. */
interface SwarmState {
  ID: string;
  Version: { Index: number };
  CreatedAt: string;
  UpdatedAt: string;
  JoinTokens: { Worker: string; Manager: string };
  index: number;
  nodes: SwarmNode[];
  networks: Network[];
  secrets: Obj[];
  configs: Obj[];
  services: Obj[];
  tasks: Task[];
}

const NOT_MANAGER =
  'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.';
const WORKER_NODE =
  "This node is not a swarm manager. Worker nodes can't be used to view or modify cluster state. Please run this command on a manager node or promote the current node to a manager.";
const IN_SWARM =
  'This node is already part of a swarm. Use "docker swarm leave" to leave this swarm and join another one.';

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
  /**
   * Images the host's registry access would pull (the built-in simulator: every image; tests:
   * none, so only imported images run). Default: none.
   */
  pullable?: (image: string) => boolean;
  /** Sees every exchange (tests check them against the API document: api-schema.ts). */
  onExchange?: (exchange: {
    method: string;
    path: string;
    status: number;
    request: unknown;
    response: unknown;
  }) => void;
}

/** The simulated network the hosts share: a Swarm join finds its manager by address here. */
export class SimDockerHosts {
  readonly engines = new Map<string, SimDockerEngine>();
  readonly swarms = new Map<string, SwarmState>();
  private readonly options: SimDockerOptions;
  constructor(options: SimDockerOptions = {}) {
    this.options = options;
  }

  /** The engine of host `key` (created on first use). */
  engine(key: string, hostname = key): SimDockerEngine {
    let engine = this.engines.get(key);
    if (!engine) {
      engine = new SimDockerEngine({ ...this.options, hostname }, this, key);
      this.engines.set(key, engine);
    }
    return engine;
  }

  /** Forgets a host (its guest was destroyed): it leaves its Swarm as a node that is down. */
  remove(key: string): void {
    const engine = this.engines.get(key);
    if (!engine) return;
    const swarm = engine.swarmState();
    if (swarm) swarm.nodes = swarm.nodes.filter((n) => n.host !== key);
    this.engines.delete(key);
    for (const id of this.swarms.keys())
      if (![...this.engines.values()].some((e) => e.swarmId === id)) this.swarms.delete(id);
  }

  managerAt(addr: string): SimDockerEngine | undefined {
    const host = addr.replace(/:\d+$/, '');
    for (const engine of this.engines.values()) {
      const swarm = engine.swarmState();
      const node = swarm?.nodes.find((n) => n.host === engine.key);
      if (node && node.addr === host && node.Spec.Role === 'manager') return engine;
    }
    return undefined;
  }

  now(): number {
    return (this.options.now ?? Date.now)();
  }

  snapshot(): unknown {
    return {
      swarms: [...this.swarms.values()],
      engines: [...this.engines.values()].map((e) => e.snapshot()),
    };
  }

  restore(raw: unknown): void {
    const data = raw as { swarms?: SwarmState[]; engines?: ReturnType<SimDockerEngine['snapshot']>[] };
    for (const s of data.swarms ?? []) this.swarms.set(s.ID, s);
    for (const e of data.engines ?? []) this.engine(e.key, e.hostname).restore(e);
  }
}

export class SimDockerEngine {
  readonly hostname: string;
  readonly key: string;
  private readonly hosts: SimDockerHosts;
  private readonly taskStartMs: number;
  private readonly pullable: (image: string) => boolean;
  private readonly onExchange: SimDockerOptions['onExchange'];
  swarmId: string | undefined;
  private nodeId = id();
  readonly images = new Set<string>();
  private networks: Network[] = [
    { Id: id(), Name: 'bridge', Driver: 'bridge', Scope: 'local', Attachable: false, Labels: {}, Options: {} },
  ];
  /** Every request as `METHOD path` (for tests that count calls on the server side). */
  readonly requests: string[] = [];

  constructor(options: SimDockerOptions = {}, hosts?: SimDockerHosts, key?: string) {
    this.hostname = options.hostname ?? 'node1';
    this.key = key ?? this.hostname;
    this.taskStartMs = options.taskStartMs ?? 100;
    this.pullable = options.pullable ?? (() => false);
    this.onExchange = options.onExchange;
    this.hosts = hosts ?? new SimDockerHosts(options);
    if (!hosts) this.hosts.engines.set(this.key, this);
  }

  snapshot(): {
    key: string;
    hostname: string;
    swarmId?: string;
    nodeId: string;
    images: string[];
    networks: Network[];
  } {
    return {
      key: this.key,
      hostname: this.hostname,
      ...(this.swarmId ? { swarmId: this.swarmId } : {}),
      nodeId: this.nodeId,
      images: [...this.images],
      networks: this.networks,
    };
  }

  restore(s: ReturnType<SimDockerEngine['snapshot']>): void {
    this.swarmId = s.swarmId && this.hosts.swarms.has(s.swarmId) ? s.swarmId : undefined;
    this.nodeId = s.nodeId;
    for (const image of s.images) this.images.add(image);
    this.networks = s.networks;
  }

  swarmState(): SwarmState | undefined {
    return this.swarmId ? this.hosts.swarms.get(this.swarmId) : undefined;
  }

  private stamp(): string {
    return new Date(this.hosts.now()).toISOString();
  }

  private self(): SwarmNode | undefined {
    return this.swarmState()?.nodes.find((n) => n.ID === this.nodeId);
  }

  /** The Swarm, when this node may answer for it (a manager). */
  private manager(): SwarmState {
    const swarm = this.swarmState();
    if (!swarm) throw new HttpError(503, NOT_MANAGER);
    if (this.self()?.Spec.Role !== 'manager') throw new HttpError(503, WORKER_NODE);
    return swarm;
  }

  private bump(swarm: SwarmState): number {
    swarm.index += 1;
    return swarm.index;
  }

  private advance(swarm: SwarmState): void {
    const now = this.hosts.now();
    for (const t of swarm.tasks) {
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

  /** Nodes a task of `svc` may run on: active, and matching the placement constraints. */
  private eligible(swarm: SwarmState, svc: Obj): SwarmNode[] {
    const constraints = (svc.Spec.TaskTemplate?.Placement?.Constraints ?? []) as string[];
    return swarm.nodes.filter((n) => {
      if (n.Spec.Availability !== 'active') return false;
      return constraints.every((c) => {
        const m = /^\s*([\w.-]+)\s*(==|!=)\s*(.+?)\s*$/.exec(c);
        if (!m) return true;
        const [, key, op, want] = m as unknown as [string, string, string, string];
        const value =
          key === 'node.role'
            ? n.Spec.Role
            : key === 'node.hostname'
              ? n.hostname
              : key === 'node.id'
                ? n.ID
                : key === 'node.platform.os'
                  ? 'linux'
                  : key.startsWith('node.labels.')
                    ? n.Spec.Labels[key.slice('node.labels.'.length)]
                    : undefined;
        return op === '==' ? value === want : value !== want;
      });
    });
  }

  private newTask(swarm: SwarmState, svc: Obj, node: SwarmNode | undefined, slot?: number): Task {
    const image = String(svc.Spec.TaskTemplate?.ContainerSpec?.Image ?? '');
    const full = image.includes(':') ? image : `${image}:latest`;
    const engine = node ? this.hosts.engines.get(node.host) : undefined;
    const stamp = this.stamp();
    const task: Task = {
      ID: id(),
      ServiceID: svc.ID,
      ...(slot !== undefined ? { Slot: slot } : {}),
      NodeID: node?.ID ?? '',
      DesiredState: 'running',
      Spec: structuredClone(svc.Spec.TaskTemplate),
      Status: node
        ? { State: 'new', Timestamp: stamp, Message: 'created' }
        : { State: 'pending', Timestamp: stamp, Message: 'pending', Err: 'no suitable node' },
      CreatedAt: stamp,
      UpdatedAt: stamp,
      Version: { Index: this.bump(swarm) },
      startAt: this.hosts.now() + this.taskStartMs,
      imageOk: (engine?.images.has(full) ?? false) || (engine?.pullable(full) ?? false),
    };
    swarm.tasks.push(task);
    return task;
  }

  /** Reconcile a service's tasks with its spec (replicas or global; a new spec replaces every task). */
  private reconcile(swarm: SwarmState, svc: Obj, replaceAll: boolean): void {
    const live = swarm.tasks.filter((t) => t.ServiceID === svc.ID && t.DesiredState === 'running');
    const nodes = this.eligible(swarm, svc);
    if (svc.Spec.Mode?.Global !== undefined) {
      for (const t of live) if (replaceAll || !nodes.some((n) => n.ID === t.NodeID)) t.DesiredState = 'shutdown';
      for (const n of nodes) {
        if (live.some((t) => t.DesiredState === 'running' && t.NodeID === n.ID)) continue;
        this.newTask(swarm, svc, n);
      }
      return;
    }
    const replicas = svc.Spec.Mode?.Replicated?.Replicas ?? 1;
    for (const t of live) if (replaceAll || (t.Slot ?? 0) > replicas) t.DesiredState = 'shutdown';
    const slots = new Set(live.filter((t) => t.DesiredState === 'running').map((t) => t.Slot));
    for (let slot = 1; slot <= replicas; slot += 1) {
      if (slots.has(slot)) continue;
      this.newTask(swarm, svc, nodes.length === 0 ? undefined : nodes[(slot - 1) % nodes.length], slot);
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

  private create(swarm: SwarmState, objs: Obj[], spec: { Name: string }, kind: string): Obj {
    if (objs.some((o) => o.Spec.Name === spec.Name)) {
      throw new HttpError(409, `rpc error: code = AlreadyExists desc = ${kind} ${spec.Name} already exists`);
    }
    const stamp = this.stamp();
    const obj: Obj = { ID: id(), Version: { Index: this.bump(swarm) }, CreatedAt: stamp, UpdatedAt: stamp, Spec: spec };
    objs.push(obj);
    return obj;
  }

  private allNetworks(): Network[] {
    return [...this.networks, ...(this.swarmState()?.networks ?? [])];
  }

  private nodeView(n: SwarmNode): unknown {
    const up = this.hosts.engines.has(n.host);
    return {
      ID: n.ID,
      Version: n.Version,
      CreatedAt: n.CreatedAt,
      UpdatedAt: n.UpdatedAt,
      Spec: n.Spec,
      Description: { Hostname: n.hostname, Platform: { Architecture: 'x86_64', OS: 'linux' } },
      Status: { State: up ? 'ready' : 'down', Addr: n.addr },
      ...(n.Spec.Role === 'manager'
        ? {
            ManagerStatus: {
              Leader: this.swarmState()?.nodes[0]?.ID === n.ID,
              Reachability: 'reachable',
              Addr: `${n.addr}:2377`,
            },
          }
        : {}),
    };
  }

  private joinNode(swarm: SwarmState, role: string, addr: string): void {
    const stamp = this.stamp();
    swarm.nodes.push({
      ID: this.nodeId,
      Version: { Index: this.bump(swarm) },
      CreatedAt: stamp,
      UpdatedAt: stamp,
      Spec: { Role: role, Availability: 'active', Labels: {} },
      host: this.key,
      hostname: this.hostname,
      addr,
    });
    this.swarmId = swarm.ID;
    // Global services get a task on the new node.
    for (const svc of swarm.services) if (svc.Spec.Mode?.Global !== undefined) this.reconcile(swarm, svc, false);
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  handle(method: string, path: string, query: URLSearchParams, body: any): [number, unknown] {
    const current = this.swarmState();
    if (current) this.advance(current);
    const filters = query.get('filters')
      ? (normalizeFilters(JSON.parse(query.get('filters')!)) as Record<string, string[]>)
      : {};
    const parts = path.split('/').filter(Boolean);
    const [head, second, third] = parts;
    const route = `${method} /${head ?? ''}${second && !third ? '/:x' : ''}${third ? `/:x/${third}` : ''}`;
    switch (route) {
      case 'GET /_ping':
        return [200, 'OK'];
      case 'GET /info': {
        const node = this.self();
        return [
          200,
          {
            Name: this.hostname,
            Swarm: {
              LocalNodeState: node ? 'active' : 'inactive',
              NodeID: node ? this.nodeId : '',
              NodeAddr: node?.addr ?? '',
              ControlAvailable: node?.Spec.Role === 'manager',
            },
          },
        ];
      }
      case 'GET /swarm': {
        const swarm = this.manager();
        const {
          index: _i,
          nodes: _n,
          networks: _w,
          secrets: _s,
          configs: _c,
          services: _v,
          tasks: _t,
          ...view
        } = swarm;
        return [200, view];
      }
      case 'POST /swarm/:x':
        if (second === 'init') {
          if (this.swarmState()) throw new HttpError(503, IN_SWARM);
          if (!body?.AdvertiseAddr && !body?.ListenAddr) throw new HttpError(400, 'must specify a listening address');
          const stamp = this.stamp();
          const swarm: SwarmState = {
            ID: id(),
            Version: { Index: 10 },
            CreatedAt: stamp,
            UpdatedAt: stamp,
            JoinTokens: {
              Worker: `SWMTKN-1-${randomBytes(24).toString('hex')}-w`,
              Manager: `SWMTKN-1-${randomBytes(24).toString('hex')}-m`,
            },
            index: 10,
            nodes: [],
            networks: [
              {
                Id: id(),
                Name: 'ingress',
                Driver: 'overlay',
                Scope: 'swarm',
                Attachable: false,
                Labels: {},
                Options: {},
              },
            ],
            secrets: [],
            configs: [],
            services: [],
            tasks: [],
          };
          this.hosts.swarms.set(swarm.ID, swarm);
          this.joinNode(swarm, 'manager', String(body.AdvertiseAddr ?? body.ListenAddr).replace(/:\d+$/, ''));
          return [200, this.nodeId];
        }
        if (second === 'join') {
          if (this.swarmState()) throw new HttpError(503, IN_SWARM);
          const remote = String((body?.RemoteAddrs as string[] | undefined)?.[0] ?? '');
          const manager = this.hosts.managerAt(remote);
          if (!manager)
            throw new HttpError(
              500,
              `rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing dial tcp ${remote}: connect: connection refused"`,
            );
          const swarm = manager.swarmState()!;
          const token = String(body?.JoinToken ?? '');
          const role =
            token === swarm.JoinTokens.Worker ? 'worker' : token === swarm.JoinTokens.Manager ? 'manager' : undefined;
          if (!role)
            throw new HttpError(
              400,
              'rpc error: code = InvalidArgument desc = A valid join token is necessary to join this cluster',
            );
          this.joinNode(swarm, role, String(body?.AdvertiseAddr ?? this.hostname).replace(/:\d+$/, ''));
          return [200, ''];
        }
        throw new HttpError(404, `page not found`);
      case 'GET /nodes':
        return [200, this.manager().nodes.map((n) => this.nodeView(n))];
      case 'POST /nodes/:x/update': {
        const swarm = this.manager();
        const node = swarm.nodes.find((n) => n.ID === second || n.hostname === second);
        if (!node) throw new HttpError(404, `node ${second} not found`);
        if (Number(query.get('version')) !== node.Version.Index)
          throw new HttpError(500, 'rpc error: code = Unknown desc = update out of sequence');
        node.Spec = { Role: body.Role, Availability: body.Availability, Labels: body.Labels ?? {} };
        node.Version = { Index: this.bump(swarm) };
        node.UpdatedAt = this.stamp();
        // A drained node's tasks move elsewhere.
        for (const svc of swarm.services) this.reconcile(swarm, svc, false);
        return [200, ''];
      }
      case 'GET /networks':
        return [
          200,
          this.allNetworks().filter(
            (n) =>
              this.match(n.Labels, filters, n.Name, n.Id) && (!filters.driver || filters.driver.includes(n.Driver)),
          ),
        ];
      case 'POST /networks/:x': {
        if (second !== 'create') throw new HttpError(404, 'page not found');
        const overlay = body.Driver === 'overlay';
        const swarm = overlay ? this.manager() : undefined;
        if (this.allNetworks().some((n) => n.Name === body.Name))
          throw new HttpError(409, `network with name ${body.Name} already exists`);
        const net: Network = {
          Id: id(),
          Name: body.Name,
          Driver: body.Driver ?? 'bridge',
          Scope: overlay ? 'swarm' : 'local',
          Attachable: !!body.Attachable,
          Labels: body.Labels ?? {},
          Options: body.Options ?? {},
        };
        (swarm ? swarm.networks : this.networks).push(net);
        return [201, { Id: net.Id, Warning: '' }];
      }
      case 'DELETE /networks/:x': {
        const net = this.allNetworks().find((n) => n.Id === second || n.Name === second);
        if (!net) throw new HttpError(404, `network ${second} not found`);
        const swarm = net.Scope === 'swarm' ? this.manager() : undefined;
        const users = (swarm?.services ?? []).filter((s) =>
          (s.Spec.TaskTemplate?.Networks ?? []).some(
            (t: { Target: string }) => t.Target === net.Id || t.Target === net.Name,
          ),
        );
        if (users.length > 0)
          throw new HttpError(
            403,
            `rpc error: code = FailedPrecondition desc = network ${net.Id} is in use by service ${users[0]!.ID}`,
          );
        if (swarm) swarm.networks = swarm.networks.filter((n) => n !== net);
        else this.networks = this.networks.filter((n) => n !== net);
        return [204, ''];
      }
      case 'GET /secrets':
      case 'GET /configs': {
        const swarm = this.manager();
        return [200, this.list(head === 'secrets' ? swarm.secrets : swarm.configs, filters)];
      }
      case 'POST /secrets/:x':
      case 'POST /configs/:x': {
        const swarm = this.manager();
        const kind = head === 'secrets' ? 'secret' : 'config';
        if (typeof body?.Data !== 'string') throw new HttpError(400, `${kind} data must be base64`);
        // Data is write-only for secrets: the spec keeps no Data when listed.
        const { Data: _data, ...spec } = body;
        const obj = this.create(
          swarm,
          head === 'secrets' ? swarm.secrets : swarm.configs,
          head === 'secrets' ? spec : body,
          kind,
        );
        return [201, { ID: obj.ID }];
      }
      case 'DELETE /secrets/:x':
      case 'DELETE /configs/:x': {
        const swarm = this.manager();
        const objs = head === 'secrets' ? swarm.secrets : swarm.configs;
        const kind = head === 'secrets' ? 'secret' : 'config';
        const obj = this.find(objs, second!, kind);
        const field = head === 'secrets' ? 'Secrets' : 'Configs';
        const user = swarm.services.find((s) =>
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
        return [200, this.list(this.manager().services, filters)];
      case 'POST /services/:x': {
        const swarm = this.manager();
        if (second !== 'create') throw new HttpError(404, 'page not found');
        const svc = this.create(swarm, swarm.services, body, 'service');
        this.reconcile(swarm, svc, false);
        return [201, { ID: svc.ID }];
      }
      case 'POST /services/:x/update': {
        const swarm = this.manager();
        const svc = this.find(swarm.services, second!, 'service');
        if (Number(query.get('version')) !== svc.Version.Index)
          throw new HttpError(500, 'rpc error: code = Unknown desc = update out of sequence');
        const templateChanged = JSON.stringify(svc.Spec.TaskTemplate) !== JSON.stringify(body.TaskTemplate);
        svc.Spec = body;
        svc.Version = { Index: this.bump(swarm) };
        svc.UpdatedAt = this.stamp();
        this.reconcile(swarm, svc, templateChanged);
        // The daemon leaves out an empty warnings list.
        return [200, {}];
      }
      case 'DELETE /services/:x': {
        const swarm = this.manager();
        const svc = this.find(swarm.services, second!, 'service');
        swarm.services = swarm.services.filter((s) => s !== svc);
        swarm.tasks = swarm.tasks.filter((t) => t.ServiceID !== svc.ID);
        return [200, ''];
      }
      case 'GET /tasks': {
        const swarm = this.manager();
        return [
          200,
          swarm.tasks
            .filter((t) => {
              const svc = swarm.services.find((s) => s.ID === t.ServiceID);
              if (filters.service && !filters.service.some((f) => f === t.ServiceID || f === svc?.Spec.Name))
                return false;
              if (filters['desired-state'] && !filters['desired-state'].includes(t.DesiredState)) return false;
              if (filters.node && !filters.node.includes(t.NodeID)) return false;
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
    let body: unknown;
    try {
      if (request.method === 'POST' && path === '/images/create') {
        [status, payload] = this.importImage(url.searchParams);
      } else {
        const text = Buffer.concat(chunks).toString('utf8');
        body = text ? JSON.parse(text) : undefined;
        [status, payload] = this.handle(request.method ?? 'GET', path, url.searchParams, body);
      }
    } catch (error) {
      if (error instanceof HttpError) [status, payload] = [error.status, { message: error.message }];
      else if (error instanceof SyntaxError) [status, payload] = [400, { message: `invalid JSON: ${error.message}` }];
      else throw error;
    }
    this.onExchange?.({ method: request.method ?? 'GET', path, status, request: body, response: payload });
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

/** Serves `engine` on a unix socket. */
export async function serveSimDocker(engine: SimDockerEngine, socketPath: string): Promise<SimDockerServer> {
  const server: Server = createServer((req, res) => {
    engine.serve(req, res).catch((error: unknown) => {
      res.writeHead(500, { 'Content-Type': 'application/json' }).end(JSON.stringify({ message: String(error) }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, resolve);
  });
  return {
    engine,
    socketPath,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** One stand-alone engine (its own network) on a unix socket. */
export async function startSimDocker(socketPath: string, options: SimDockerOptions = {}): Promise<SimDockerServer> {
  return serveSimDocker(new SimDockerEngine(options), socketPath);
}
