/**
 * Observation: ONE `GET /cluster/resources?type=vm` for the whole cluster, then one config
 * read per managed (or declared) guest with bounded concurrency. Firewall and snapshot lists
 * are read only for guests that declare them, so a plan over N plain guests costs N + 1 reads.
 */
import type { ClusterResource, GuestConfig, ProxmoxClient } from '../../clients/proxmox/index.ts';
import { isNotFound, ProxmoxApiError } from '../../clients/proxmox/index.ts';
import type { ObservedGuest } from './diff.ts';
import { parseTags } from './property-string.ts';
import { guestOwner, MANAGED_TAG, type GuestSpec, type GuestType } from './spec.ts';

/** Description written on a guest while Phoenix creates it by cloning (tags come only after). */
export const CREATING_MARKER = 'phoenix: creating';

export interface ObserveGuestsResult {
  found: ObservedGuest[];
  /** Guests Phoenix does not own and that are not declared: listed, never touched. */
  unmanaged: ClusterResource[];
  /** Guests of another environment, not declared here: listed, never touched. */
  foreign: { row: ClusterResource; environment: string }[];
  /**
   * Declared or managed guests on a node that is down or unreachable (`/cluster/resources` lists
   * them with status `unknown`; a read through the node answers 595): neither found nor missing.
   */
  unreachable: { vmid: number; node: string; type: GuestType }[];
}

export interface ObserveOptions {
  /** `/cluster/resources` rows already read for this plan (see providers/cluster-view.ts). */
  rows?: readonly ClusterResource[];
  concurrency?: number;
  signal?: AbortSignal;
  /** This environment: guests tagged for another one are foreign (listed, never read or touched). */
  environment?: string;
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

export function guestTypeOf(row: Pick<ClusterResource, 'type'>): GuestType | undefined {
  if (row.type === 'lxc') return 'lxc';
  if (row.type === 'qemu') return 'vm';
  return undefined;
}

export function apiKind(type: GuestType): 'lxc' | 'qemu' {
  return type === 'lxc' ? 'lxc' : 'qemu';
}

/** This environment's guest (see `guestOwner`): tagged, or being created by Phoenix. */
export function isManagedConfig(tags: string[], config: Record<string, unknown>, environment?: string): boolean {
  const kind = guestOwner(tags, config.description, environment).kind;
  return kind === 'ours' || kind === 'legacy';
}

/** Carries this environment's own tag: may be deleted (prune, destroy, replace). */
export function isOwnedConfig(tags: string[], config: Record<string, unknown>, environment?: string): boolean {
  return guestOwner(tags, config.description, environment).kind === 'ours';
}

export async function readGuest(
  client: ProxmoxClient,
  row: { vmid: number; node: string; type: GuestType; status?: string; name?: string },
  spec: GuestSpec | undefined,
  environment: string | undefined = spec?.environment,
): Promise<ObservedGuest | undefined> {
  const api = row.type === 'lxc' ? client.lxc : client.qemu;
  let config: GuestConfig;
  try {
    config = await api.config(row.node, row.vmid);
  } catch (error) {
    // Deleted (or moved) between the cluster read and this read: treat as absent.
    if (isNotFound(error)) return undefined;
    throw error;
  }
  const tags = parseTags(typeof config.tags === 'string' ? config.tags : undefined);
  const observed: ObservedGuest = {
    vmid: row.vmid,
    type: row.type,
    node: row.node,
    status: row.status === 'running' ? 'running' : 'stopped',
    template: Number(config.template ?? 0) === 1,
    tags,
    managed: isManagedConfig(tags, config, environment),
    ...(isManagedConfig(tags, config, environment) && !isOwnedConfig(tags, config, environment)
      ? { legacy: true }
      : {}),
    ...foreignOf(tags, config, environment),
    lock: typeof config.lock === 'string' ? config.lock : undefined,
    config: stableConfig(config),
  };
  if (spec?.firewall) {
    const scope = { level: 'guest' as const, node: row.node, kind: apiKind(row.type), vmid: row.vmid };
    const [options, rules] = await Promise.all([client.firewall.options(scope), client.firewall.rules(scope)]);
    observed.firewall = { options, rules: rules.map((r) => ({ ...r, digest: undefined })) };
  }
  if (spec && spec.snapshots.length > 0) {
    const snaps = await api.snapshots(row.node, row.vmid);
    observed.snapshots = snaps.map((s) => s.name).filter((n) => n !== 'current');
  }
  return observed;
}

function foreignOf(tags: string[], config: Record<string, unknown>, environment: string | undefined) {
  const owner = guestOwner(tags, config.description, environment);
  return owner.kind === 'foreign' ? { foreign: owner.environment } : {};
}

/** Drops values that change without a config change, so plan digests stay stable. */
function stableConfig(config: GuestConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) {
    if (k === 'digest' || k === 'lock') continue;
    out[k] = v;
  }
  return out;
}

/**
 * Observes the declared guests plus every managed guest in the cluster. A declared vmid that
 * exists without the ownership tag is returned with `managed: false` so the diff can refuse it.
 */
export async function observeGuests(
  client: ProxmoxClient,
  specs: readonly GuestSpec[],
  options: ObserveOptions = {},
): Promise<ObserveGuestsResult> {
  const rows = options.rows ?? (await client.cluster.resources('vm'));
  const desired = new Map(specs.map((s) => [s.vmid, s]));
  const toRead: { vmid: number; node: string; type: GuestType; status?: string; name?: string }[] = [];
  const unmanaged: ClusterResource[] = [];
  const foreign: { row: ClusterResource; environment: string }[] = [];
  const unreachable: ObserveGuestsResult['unreachable'] = [];
  for (const row of rows) {
    const type = guestTypeOf(row);
    if (!type || row.vmid === undefined || !row.node) continue;
    const vmid = Number(row.vmid);
    const tags = parseTags(row.tags);
    const owner = guestOwner(tags, undefined, options.environment);
    if (owner.kind === 'foreign' && !desired.has(vmid)) {
      foreign.push({ row, environment: owner.environment });
    } else if ((tags.includes(MANAGED_TAG) || desired.has(vmid)) && row.status === 'unknown') {
      // Its node is down: nothing can be read, nothing may be re-created in its place.
      unreachable.push({ vmid, node: row.node, type });
    } else if (tags.includes(MANAGED_TAG) || desired.has(vmid)) {
      toRead.push({ vmid, node: row.node, type, status: row.status, name: row.name });
    } else {
      unmanaged.push(row);
    }
  }
  const results = await mapLimit(toRead, options.concurrency ?? 16, async (row) => {
    options.signal?.throwIfAborted();
    try {
      return await readGuest(client, row, desired.get(row.vmid), options.environment);
    } catch (error) {
      // The node went away between the cluster read and this one (pveproxy: 595).
      if (error instanceof ProxmoxApiError && error.status === 595) {
        unreachable.push({ vmid: row.vmid, node: row.node, type: row.type });
        return undefined;
      }
      throw error;
    }
  });
  return { found: results.filter((r): r is ObservedGuest => r !== undefined), unmanaged, foreign, unreachable };
}
