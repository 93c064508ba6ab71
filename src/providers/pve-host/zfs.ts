/**
 * `pve.zfs`: a ZFS pool on a node (`/nodes/{node}/disks/zfs`, address `zfs.<node>.<name>`).
 *
 * Phoenix creates a declared pool that is missing and never destroys or rebuilds one: the API's
 * only way to change devices or raid level is destroy + create, which wipes the data, so such a
 * change is a replace of a `protected` resource and the plan refuses it with the reason. Pools
 * have no comment field: like storages they are Phoenix's while declared, undeclared ones are
 * reported as unmanaged. `ashift` and `compression` are creation options the API does not report
 * back, so they are not compared. Datasets have no PVE API at all.
 */
import type { ProxmoxClient } from '../../clients/proxmox/index.ts';
import type { ResourceHandler } from '../../engine/handler.ts';
import { attributeChanges, verdict } from './diff.ts';
import { foreignClaims } from './claims.ts';
import { listHandler, type Listed } from './list-handler.ts';
import { marker, type Marker } from './marker.ts';
import { reachableNodes } from './nodes.ts';
import { unreachableDiagnostic } from '../cluster-view.ts';

export const ZFS_KIND = 'pve.zfs';

export interface ZfsDesired {
  node: string;
  name: string;
  devices: string[];
  raidlevel: string;
  ashift?: number;
  compression?: string;
  addStorage?: boolean;
}

export interface ZfsObserved {
  node: string;
  name: string;
  /** Kernel names (`sdb`), sorted; absent when not read (undeclared pools). */
  devices?: string[];
  raidlevel?: string;
}

interface Vdev {
  name: string;
  children?: Vdev[];
}

export const zfsAddress = (node: string, name: string): string => `zfs.${node}.${name}`;

const kernelName = (dev: string): string => dev.replace(/^\/dev\//, '');

/** Raid level and leaf devices from the `zpool status` tree of `GET /disks/zfs/{name}`. */
export function layoutOf(children: Vdev[] | undefined): { raidlevel: string; devices: string[] } {
  const top = children?.[0]?.children ?? [];
  const devices: string[] = [];
  const leaves = (v: Vdev): void => {
    if (v.children && v.children.length > 0) v.children.forEach(leaves);
    else devices.push(v.name);
  };
  top.forEach(leaves);
  const groups = top.filter((v) => v.children && v.children.length > 0).map((v) => v.name.replace(/-\d+$/, ''));
  let raidlevel = 'single';
  if (groups.length > 0) {
    const first = groups[0] ?? '';
    if (first === 'mirror') raidlevel = groups.length > 1 ? 'raid10' : 'mirror';
    else if (first.startsWith('raidz')) raidlevel = first === 'raidz1' ? 'raidz' : first;
    else if (first.startsWith('draid')) raidlevel = first.startsWith('draid1') ? 'draid' : first.slice(0, 6);
    else raidlevel = first;
  }
  return { raidlevel, devices: devices.sort() };
}

/** Device names can only be compared when PVE reports kernel names (not /dev/disk/by-id links). */
function comparableDevices(observed: string[]): boolean {
  return observed.every((d) => /^(sd[a-z]+|vd[a-z]+|xvd[a-z]+|nvme\d+n\d+|hd[a-z]+)$/.test(d));
}

export function createZfsHandler(deps: {
  client: ProxmoxClient;
  taskTimeoutMs?: number;
  marker?: Marker;
}): ResourceHandler<ZfsDesired, ZfsObserved> {
  const m = deps.marker ?? marker();
  const { client } = deps;
  const path = (node: string) => `/nodes/${encodeURIComponent(node)}/disks/zfs`;
  return listHandler<ZfsDesired, ZfsObserved>({
    kind: ZFS_KIND,
    async list(ctx, desired) {
      const wanted = new Set(desired.map((r) => r.address));
      const claimed = await foreignClaims(client, m, ctx);
      // A node that is down (the plan's shared cluster read says so): its pools are unknown.
      const { online: nodes, offline } = await reachableNodes(
        client,
        ctx,
        desired.map((r) => r.desired.node),
      );
      const out: Listed<ZfsObserved>[] = desired
        .filter((r) => offline.has(r.desired.node))
        .map((r) => ({
          address: r.address,
          observed: null as unknown as ZfsObserved,
          owned: false,
          summary: `ZFS pool ${r.desired.name} on ${r.desired.node}`,
          unknown: unreachableDiagnostic(r.desired.node, `ZFS pool ${r.desired.name}`),
        }));
      for (const node of nodes) {
        for (const row of await client.request<{ name: string }[]>('GET', path(node))) {
          const address = zfsAddress(node, row.name);
          let observed: ZfsObserved = { node, name: row.name };
          if (wanted.has(address)) {
            const detail = await client.request<{ children?: Vdev[] }>(
              'GET',
              `${path(node)}/${encodeURIComponent(row.name)}`,
            );
            observed = { ...observed, ...layoutOf(detail.children) };
          }
          const foreign = claimed.get(address);
          out.push({
            address,
            observed,
            owned: false,
            node,
            ...(foreign ? { foreign } : {}),
            summary: `ZFS pool ${row.name} on ${node}`,
          });
        }
      }
      return out;
    },
    diff({ resource, observed }) {
      if (!observed) return verdict(false, []);
      const d = resource.desired;
      const devices = d.devices.map(kernelName).sort();
      const compareDevices = observed.devices !== undefined && comparableDevices(observed.devices);
      const changes = attributeChanges(
        {
          raidlevel: d.raidlevel,
          ...(compareDevices ? { devices } : { deviceCount: devices.length }),
        },
        { raidlevel: observed.raidlevel, devices: observed.devices, deviceCount: observed.devices?.length },
      ).map((c) => ({ ...c, forcesReplacement: true }));
      if (changes.length === 0) return verdict(true, []);
      return {
        ...verdict(true, changes),
        action: 'replace',
        requiresReplace: changes.map((c) => c.path),
        reasons: changes.map(
          (c) =>
            `${c.path} of an existing ZFS pool cannot change (${JSON.stringify(c.before)} -> ${JSON.stringify(c.after)}): ` +
            'Phoenix never destroys a pool; rebuild it by hand if you mean to',
        ),
      };
    },
    async create(ctx, r) {
      const d = r.desired;
      const upid = await client.request<string>('POST', path(d.node), {
        name: d.name,
        devices: d.devices.join(','),
        raidlevel: d.raidlevel,
        ...(d.ashift !== undefined ? { ashift: d.ashift } : {}),
        ...(d.compression !== undefined ? { compression: d.compression } : {}),
        ...(d.addStorage ? { add_storage: 1 } : {}),
      });
      await client.waitForTask(d.node, upid, { signal: ctx.signal, timeoutMs: deps.taskTimeoutMs });
    },
    async update() {
      // Nothing is ever changed in place (a difference is a refused replace); this is reached only
      // when a repeated create finds the pool its first attempt made.
    },
    remove() {
      // Never reached (pools are never found as owned-but-undeclared); kept explicit.
      return Promise.reject(new Error('Phoenix never destroys a ZFS pool'));
    },
  });
}
