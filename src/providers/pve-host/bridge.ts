/**
 * `pve.bridge`: a Linux bridge on one node (address `bridge.<node>.<name>`). Edits are staged in
 * the node's `interfaces.new` and then applied with `PUT /nodes/{node}/network` (an ifreload
 * task); bridges of one node share a lock so one apply never carries half of another's edit.
 * Owned = the `comments` field starts with `phoenix`. A declared bridge that exists without
 * the marker is adopted (the update writes the marker); an undeclared unowned one is never touched.
 */
import type { ProxmoxClient } from '../../clients/proxmox/index.ts';
import type { NetworkInterface } from '../../clients/proxmox/api/network.ts';
import type { ResourceHandler } from '../../engine/handler.ts';
import { attributeChanges, verdict } from './diff.ts';
import { listHandler, type Listed } from './list-handler.ts';
import { marker, type Marker } from './marker.ts';
import { reachableNodes } from './nodes.ts';
import { unreachableDiagnostic } from '../cluster-view.ts';

export const BRIDGE_KIND = 'pve.bridge';

export interface BridgeDesired {
  node: string;
  name: string;
  cidr: string;
  gateway?: string;
  vlanAware: boolean;
  ports: string[];
  /** The declared comment (the marker is added when written). */
  comment?: string;
}

export interface BridgeObserved {
  node: string;
  name: string;
  cidr?: string;
  gateway?: string;
  vlanAware: boolean;
  ports: string[];
  comment?: string;
}

export function bridgeAddress(node: string, name: string): string {
  return `bridge.${node}.${name}`;
}

function observedOf(node: string, i: NetworkInterface): BridgeObserved {
  return {
    node,
    name: i.iface,
    ...(i.cidr ? { cidr: i.cidr } : {}),
    ...(i.gateway ? { gateway: i.gateway } : {}),
    vlanAware: Number(i.bridge_vlan_aware ?? 0) === 1,
    ports: String(i.bridge_ports ?? '')
      .split(/\s+/)
      .filter((p) => p !== '' && p !== 'none'),
    ...(typeof i.comments === 'string' && i.comments.trim() ? { comment: i.comments.trim() } : {}),
  };
}

function wanted(d: BridgeDesired, m: Marker): Record<string, unknown> {
  return {
    cidr: d.cidr,
    gateway: d.gateway ?? null,
    vlanAware: d.vlanAware,
    ports: d.ports,
    comment: m.mark(d.comment),
  };
}

function params(d: BridgeDesired, observed: BridgeObserved | null, m: Marker) {
  const del: string[] = [];
  if (!d.gateway && observed?.gateway) del.push('gateway');
  if (d.ports.length === 0 && observed && observed.ports.length > 0) del.push('bridge_ports');
  if (!d.vlanAware && observed?.vlanAware) del.push('bridge_vlan_aware');
  return {
    type: 'bridge',
    cidr: d.cidr,
    gateway: d.gateway,
    bridge_ports: d.ports.length > 0 ? d.ports.join(' ') : undefined,
    bridge_vlan_aware: d.vlanAware ? 1 : undefined,
    comments: m.mark(d.comment),
    autostart: 1,
    delete: del.length > 0 ? del.join(',') : undefined,
  };
}

export function createBridgeHandler(deps: {
  client: ProxmoxClient;
  taskTimeoutMs?: number;
  marker?: Marker;
}): ResourceHandler<BridgeDesired, BridgeObserved> {
  const m = deps.marker ?? marker();
  const { client } = deps;
  const reload = async (node: string, signal: AbortSignal) => {
    const upid = await client.network.apply(node);
    await client.waitForTask(node, upid, { signal, timeoutMs: deps.taskTimeoutMs });
  };
  return listHandler<BridgeDesired, BridgeObserved>({
    kind: BRIDGE_KIND,
    async list(ctx, desired) {
      const { online: nodes, offline } = await reachableNodes(
        client,
        ctx,
        desired.map((r) => r.desired.node),
      );
      const out: Listed<BridgeObserved>[] = desired
        .filter((r) => offline.has(r.desired.node))
        .map((r) => ({
          address: r.address,
          observed: null as unknown as BridgeObserved,
          owned: false,
          summary: `bridge ${r.desired.name} on ${r.desired.node}`,
          unknown: unreachableDiagnostic(r.desired.node, `bridge ${r.desired.name}`),
        }));
      for (const node of nodes) {
        for (const i of await client.network.list(node, 'bridge')) {
          if (i.type !== 'bridge') continue;
          out.push({
            address: bridgeAddress(node, i.iface),
            observed: observedOf(node, i),
            owned: m.owned(i.comments),
            foreign: m.foreign(i.comments),
            node,
            summary: `bridge ${i.iface} on ${node}`,
          });
        }
      }
      return out;
    },
    diff({ resource, observed }) {
      const d = resource.desired;
      if (!observed) return verdict(false, []);
      const o: Record<string, unknown> = { ...observed, gateway: observed.gateway ?? null };
      const changes = attributeChanges(wanted(d, m), o);
      const adopt = !m.owned(observed.comment);
      return verdict(
        true,
        changes,
        adopt && changes.length > 0
          ? {
              reasons: [
                'exists without the phoenix marker: adopted (declared)',
                ...changes.map((c) => `${c.path} changed`),
              ],
            }
          : {},
      );
    },
    async create(ctx, r) {
      await client.network.create(r.desired.node, { iface: r.desired.name, ...params(r.desired, null, m) });
      await ctx.journal.note({ staged: r.desired.name, node: r.desired.node });
      await reload(r.desired.node, ctx.signal);
    },
    async update(ctx, r, observed) {
      await client.network.update(r.desired.node, r.desired.name, params(r.desired, observed, m));
      await ctx.journal.note({ staged: r.desired.name, node: r.desired.node });
      await reload(r.desired.node, ctx.signal);
    },
    async remove(ctx, _address, observed) {
      await client.network.remove(observed.node, observed.name);
      await reload(observed.node, ctx.signal);
    },
  });
}
