/**
 * The model's shared state and helpers every route module uses: nodes, storage, guests,
 * pools, firewall, network, tasks, locks, the clock and the seeded RNG. Route handlers in
 * `../api/` read and change this object; `index.ts` builds it and serializes it.
 */
import { SimApiError } from '../contract.ts';
import type { SimCaller, SimFaultOracle } from '../contract.ts';
import { callerId } from '../contract.ts';
import type { SimClock } from './clock.ts';
import type { SimRandom } from './rng.ts';
import type { StorageState } from './storage.ts';
import type { TaskRegistry } from './tasks.ts';
import { configLockPath, LockTimeoutError, type FlockTable, type ReleaseLock } from './locks.ts';
import { missingConfig, type Guest, type GuestType } from './guests.ts';
import type { NetworkState } from './network.ts';
import type { FirewallState } from './firewall.ts';
import type { NodeDisks } from './disks.ts';
import type { HaState } from './ha.ts';

export interface SimNode {
  name: string;
  cores: number;
  memoryMiB: number;
  ip: string;
  bootTimeMs: number;
  network: NetworkState;
  /** Local disks and ZFS pools (`/nodes/{node}/disks`). */
  disks: NodeDisks;
  /** `/etc/resolv.conf`, timezone and `/etc/hosts` once changed through the API (defaults otherwise). */
  settings?: NodeSettings;
  /** False after `control('set-node-status', { online: false })`: the node is unreachable. */
  online?: boolean;
}

export interface NodeSettings {
  dns?: { search: string; dns1?: string; dns2?: string; dns3?: string };
  /** Services stopped through the API (`systemctl stop`). */
  stopped?: string[];
  timezone?: string;
  hosts?: string;
}

export interface Pool {
  poolid: string;
  comment?: string;
  vms: number[];
  storage: string[];
}

/** Realistic task durations in ms at speed 1 (task type, or `type:variant`). */
export const DEFAULT_DURATIONS: Record<string, number> = {
  vzcreate: 8000,
  qmcreate: 3000,
  'vzclone:full': 15000,
  'vzclone:linked': 3000,
  'qmclone:full': 20000,
  'qmclone:linked': 3000,
  vzstart: 2000,
  qmstart: 2000,
  vzstop: 1000,
  qmstop: 1000,
  vzshutdown: 3000,
  qmshutdown: 5000,
  vzreboot: 5000,
  qmreboot: 6000,
  vzdestroy: 2000,
  qmdestroy: 2000,
  vzsnapshot: 2000,
  qmsnapshot: 3000,
  vzdelsnapshot: 1500,
  qmdelsnapshot: 1500,
  vzrollback: 3000,
  qmrollback: 3000,
  resize: 1000,
  qmconfig: 500,
  qmtemplate: 2000,
  vztemplate: 2000,
  download: 10000,
  srvreload: 1500,
  imgdel: 1000,
  srvstart: 1000,
  srvstop: 1000,
  srvrestart: 1500,
  aptupdate: 3000,
  upload: 1000,
  qmmove: 8000,
  qmmigrate: 15000,
  vzmigrate: 10000,
  /** Time from VM start until the guest agent answers. */
  agentBoot: 8000,
};

export interface SimContext {
  clock: SimClock;
  random: SimRandom;
  speed: number;
  faults: SimFaultOracle;
  durations: Record<string, number>;
  nodes: Map<string, SimNode>;
  storage: StorageState;
  guests: Map<number, Guest>;
  pools: Map<string, Pool>;
  firewall: FirewallState;
  tasks: TaskRegistry;
  locks: FlockTable;
  /** DHCP leases handed to simulated guests: MAC → IPv4. */
  leases: Map<string, string>;
  downloadSizes: Record<string, number>;
  /** HA groups and resources (`/cluster/ha`). */
  ha: HaState;
  /** datacenter.cfg (`/cluster/options`). */
  clusterOptions: Record<string, string | number>;
  /** The model's seed: deterministic series (rrddata) hash it with what they describe. */
  seed: number;
  /** The served certificate's SHA-256 fingerprint (`AA:BB:…`); undefined over plain HTTP. */
  sslFingerprint?: string;
}

export function duration(ctx: SimContext, key: string): number {
  return ctx.durations[key] ?? DEFAULT_DURATIONS[key] ?? 1000;
}

export function nowSeconds(ctx: SimContext): number {
  return Math.floor(ctx.clock.now() / 1000);
}

export function requireNode(ctx: SimContext, name: unknown): SimNode {
  const node = ctx.nodes.get(String(name));
  if (!node) {
    // An unknown {node} makes pveproxy resolve it via DNS (spec §3 common 500 messages).
    throw new SimApiError(
      500,
      `hostname lookup '${String(name)}' failed - failed to get address info for: ${String(name)}: Name or service not known`,
    );
  }
  if (node.online === false) {
    // pveproxy cannot reach the proxied node (spec §3, 595: a node that is down or cut off).
    throw new SimApiError(595, 'No route to host');
  }
  return node;
}

/** Quorum: more than half of the nodes online (spec §3 `cluster not ready - no quorum?`). */
export function assertQuorum(ctx: SimContext): void {
  let online = 0;
  for (const n of ctx.nodes.values()) if (n.online !== false) online++;
  if (online * 2 <= ctx.nodes.size) throw new SimApiError(500, 'cluster not ready - no quorum?');
}

/** The guest `vmid` of `type` on `node`, or the PVE "Configuration file … does not exist" 500. */
export function requireGuest(ctx: SimContext, node: unknown, vmid: unknown, type: GuestType): Guest {
  const n = requireNode(ctx, node).name;
  const id = Number(vmid);
  const guest = ctx.guests.get(id);
  if (!guest || guest.type !== type || guest.node !== n) throw missingConfig(type, n, id);
  return guest;
}

export function userOf(caller: SimCaller): string {
  return callerId(caller);
}

/**
 * At tiny speed factors (0 = instant tasks) a scaled wait would be 0 ms and a caller racing an
 * "instant" worker would time out although in PVE the 10 s wait outlasts the 2 s task. A floor
 * keeps the real ordering: instant workers always finish inside the wait.
 */
const LOCK_WAIT_FLOOR_MS = 100;

/**
 * Takes the guest's config flock, waiting `baseMs` × speed (10 s default, 1 s for clone,
 * spec §5.1). Lock-timeout faults from the oracle make the wait fail the same way.
 */
export async function lockConfig(
  ctx: SimContext,
  type: GuestType,
  vmid: number,
  options: { baseMs?: number; shared?: boolean; log?: (line: string) => void } = {},
): Promise<ReleaseLock> {
  const path = configLockPath(type, vmid);
  let waited = false;
  try {
    const release = await ctx.locks.acquire(path, {
      timeoutMs: Math.max((options.baseMs ?? 10_000) * ctx.speed, LOCK_WAIT_FLOOR_MS),
      shared: options.shared,
      forceTimeout: ctx.faults.lockTimeout(vmid),
      onWait: () => {
        waited = true;
        options.log?.('trying to acquire lock...');
      },
    });
    if (waited) options.log?.(' OK');
    return release;
  } catch (error) {
    if (error instanceof LockTimeoutError) throw new SimApiError(500, error.message);
    throw error;
  }
}

/** Runs `fn` under the config flock (handlers that edit a config synchronously). */
export async function withConfigLock<T>(ctx: SimContext, type: GuestType, vmid: number, fn: () => T): Promise<T> {
  const release = await lockConfig(ctx, type, vmid);
  try {
    return fn();
  } finally {
    release();
  }
}

export function bool(value: unknown): boolean {
  return value === 1 || value === true || value === '1';
}
