/**
 * The simulator's cluster model: `createSimModel(options)` builds the state (nodes, storage,
 * guests, pools, firewall, network, tasks, locks) and returns the `SimModel` the HTTP layer
 * serves (src/sim/contract.ts). Behaviour follows ../shared/pve/PVE_API_SPEC.md.
 */
import { SimApiError, type SimFaultOracle, type SimModel, type SimRoute } from '../contract.ts';
import { allRoutes } from '../api/index.ts';
import { realClock, type SimClock } from './clock.ts';
import { DEFAULT_DURATIONS, type Pool, type SimContext, type SimNode } from './context.ts';
import { emptyHa, type HaGroupRecord, type HaResourceRecord } from './ha.ts';
import { emptyFirewall, type FirewallState } from './firewall.ts';
import type { Guest } from './guests.ts';
import { FlockTable } from './locks.ts';
import { defaultDisks } from './disks.ts';
import { defaultNetwork } from './network.ts';
import { createRandom } from './rng.ts';
import { defaultStorages, StorageState, type StorageConfig } from './storage.ts';
import { TaskRegistry, type TaskRecord } from './tasks.ts';
import { applyControl } from './control.ts';

export { createVirtualClock, realClock, type SimClock, type VirtualClock } from './clock.ts';
export type { StorageConfig } from './storage.ts';

export interface SimNodeOption {
  name: string;
  cores: number;
  memoryMiB: number;
}

export interface SimModelOptions {
  nodes: SimNodeOption[];
  storages?: StorageConfig[];
  /** Task duration factor: 0 = instant, 1 = realistic. Lock waits scale the same way. */
  speed: number;
  clock?: SimClock;
  faults: SimFaultOracle;
  seed: number;
  initialState?: unknown;
  /** Per task type overrides of the realistic durations (ms at speed 1). */
  durations?: Record<string, number>;
  /** OS templates present on `local` at start (file names under `vztmpl/`). */
  templates?: string[];
  /** Sizes in bytes for `download-url` files, by file name (default 512 MiB). */
  downloadSizes?: Record<string, number>;
  /** SHA-256 fingerprint of the certificate the API serves (`/nodes` `ssl_fingerprint`). */
  sslFingerprint?: string;
}

interface Snapshot {
  version: 1;
  guests: Guest[];
  pools: Pool[];
  firewall: FirewallState;
  storage: ReturnType<StorageState['toJSON']>;
  networks: Record<string, SimNode['network']>;
  disks?: Record<string, SimNode['disks']>;
  tasks: TaskRecord[];
  leases: [string, string][];
  rng?: number;
  nodeSettings?: Record<string, NonNullable<SimNode['settings']>>;
  clusterOptions?: Record<string, string | number>;
  ha?: { groups: HaGroupRecord[]; resources: HaResourceRecord[] };
  /** Nodes taken offline through the control endpoint. */
  offline?: string[];
}

/** The model plus test conveniences (context access, waiting for a task). */
export interface SimModelHandle extends SimModel {
  readonly context: SimContext;
  waitTask(upid: string): Promise<TaskRecord | undefined>;
  /** Calls the route handler for `method path` directly (tests before the HTTP layer). */
  call(method: SimRoute['method'], route: string, params?: Record<string, unknown>): Promise<unknown>;
}

export function createSimModel(options: SimModelOptions): SimModelHandle {
  if (options.nodes.length === 0) throw new Error('the simulator needs at least one node');
  const clock = options.clock ?? realClock();
  const random = createRandom(options.seed);
  const bootTimeMs = clock.now() - 3 * 24 * 3600 * 1000;
  const nodes = new Map<string, SimNode>();
  options.nodes.forEach((n, i) => {
    const ip = `192.168.100.${11 + i}`;
    nodes.set(n.name, { ...n, ip, bootTimeMs, network: defaultNetwork(ip), disks: defaultDisks(i) });
  });
  const storage = new StorageState(options.storages ?? defaultStorages());
  const ctx: SimContext = {
    clock,
    random,
    speed: options.speed,
    faults: options.faults,
    durations: { ...DEFAULT_DURATIONS, ...options.durations },
    nodes,
    storage,
    guests: new Map(),
    pools: new Map(),
    firewall: emptyFirewall(),
    tasks: new TaskRegistry(clock, random, options.speed, bootTimeMs, (t, n) => options.faults.taskFailure(t, n)),
    locks: new FlockTable(clock),
    leases: new Map(),
    downloadSizes: options.downloadSizes ?? {},
    sslFingerprint: options.sslFingerprint,
    seed: options.seed,
    clusterOptions: { keyboard: 'en-us' },
    ha: emptyHa(),
  };
  const tmplStore = [...storage.configs.values()].find((c) => c.content.includes('vztmpl'));
  if (tmplStore) {
    for (const name of options.templates ?? ['debian-12-standard_12.7-1_amd64.tar.zst']) {
      for (const node of nodes.keys()) {
        storage.add(node, {
          volid: `${tmplStore.storage}:vztmpl/${name}`,
          content: 'vztmpl',
          format: 'tzst',
          size: 126_000_000,
          ctime: Math.floor(clock.now() / 1000),
        });
      }
    }
  }
  if (options.initialState !== undefined) restore(ctx, options.initialState);
  const routes = allRoutes(ctx);
  const index = new Map(routes.map((r) => [`${r.method} ${r.route}`, r]));
  return {
    context: ctx,
    routes: () => routes,
    toJSON: (): Snapshot => ({
      version: 1,
      guests: [...ctx.guests.values()],
      pools: [...ctx.pools.values()],
      firewall: ctx.firewall,
      storage: storage.toJSON(),
      networks: Object.fromEntries([...nodes].map(([k, n]) => [k, n.network])),
      disks: Object.fromEntries([...nodes].map(([k, n]) => [k, n.disks])),
      tasks: ctx.tasks.toJSON(),
      leases: [...ctx.leases],
      rng: random.state(),
      nodeSettings: Object.fromEntries([...nodes].filter(([, n]) => n.settings).map(([k, n]) => [k, n.settings ?? {}])),
      clusterOptions: ctx.clusterOptions,
      ha: { groups: [...ctx.ha.groups.values()], resources: [...ctx.ha.resources.values()] },
      offline: [...nodes.values()].filter((n) => n.online === false).map((n) => n.name),
    }),
    control: (action, args) => applyControl(ctx, action, args),
    close: () => ctx.tasks.close(),
    poolOf: (path) => poolOfPath(ctx, path),
    waitTask: (upid) => ctx.tasks.wait(upid),
    async call(method, route, params = {}) {
      const r = index.get(`${method} ${route}`);
      if (!r) throw new SimApiError(501, `Method '${method} ${route}' not implemented`);
      return r.handler({ method, route, params, caller: { userid: 'root@pam' } });
    },
  };
}

/** The pool holding `/vms/<vmid>` or `/storage/<id>`, if any. */
export function poolOfPath(ctx: SimContext, path: string): string | undefined {
  const vm = /^\/vms\/(\d+)$/.exec(path);
  const store = /^\/storage\/([^/]+)$/.exec(path);
  for (const p of ctx.pools.values()) {
    if (vm && p.vms.includes(Number(vm[1]))) return p.poolid;
    if (store && p.storage.includes(store[1] as string)) return p.poolid;
  }
  return undefined;
}

function restore(ctx: SimContext, raw: unknown): void {
  const snap = raw as Partial<Snapshot>;
  if (snap.version !== 1) throw new Error('unsupported simulator state (expected version 1)');
  for (const g of snap.guests ?? []) ctx.guests.set(g.vmid, g);
  for (const p of snap.pools ?? []) ctx.pools.set(p.poolid, p);
  if (snap.firewall) ctx.firewall = snap.firewall;
  if (snap.storage) ctx.storage.restore(snap.storage);
  for (const [name, net] of Object.entries(snap.networks ?? {})) {
    const node = ctx.nodes.get(name);
    if (node) node.network = net;
  }
  for (const [name, disks] of Object.entries(snap.disks ?? {})) {
    const node = ctx.nodes.get(name);
    if (node) node.disks = disks;
  }
  ctx.tasks.restore(snap.tasks ?? []);
  for (const [mac, ip] of snap.leases ?? []) ctx.leases.set(mac, ip);
  if (typeof snap.rng === 'number') ctx.random.restore(snap.rng);
  for (const [name, settings] of Object.entries(snap.nodeSettings ?? {})) {
    const node = ctx.nodes.get(name);
    if (node) node.settings = settings;
  }
  if (snap.clusterOptions) ctx.clusterOptions = snap.clusterOptions;
  for (const g of snap.ha?.groups ?? []) ctx.ha.groups.set(g.group, g);
  for (const r of snap.ha?.resources ?? []) ctx.ha.resources.set(r.sid, r);
  for (const name of snap.offline ?? []) {
    const node = ctx.nodes.get(name);
    if (node) node.online = false;
  }
}
