/**
 * PVE's HA manager, as far as a client sees it (pve-ha-manager `resources.cfg`, `groups.cfg`,
 * the CRM's recovery): HA groups (member nodes with priorities, restricted, nofailback) and
 * resources (`vm:<id>` / `ct:<id>`, requested state, group). When a node goes offline, every
 * HA resource with state started on it is recovered on the best online node of its group
 * (highest priority, then fewest HA services), as PVE's CRM does after fencing — only when the
 * guest's volumes are on shared storage (a local disk cannot follow the guest).
 */
import { createHash } from 'node:crypto';
import type { SimContext } from './context.ts';
import type { Guest } from './guests.ts';

export interface HaGroupRecord {
  group: string;
  /** `pve1:2,pve2` (node[:priority], comma separated), as PVE stores it. */
  nodes: string;
  restricted?: number;
  nofailback?: number;
  comment?: string;
}

export interface HaResourceRecord {
  sid: string;
  state: 'started' | 'stopped' | 'disabled' | 'ignored';
  group?: string;
  max_restart?: number;
  max_relocate?: number;
  comment?: string;
}

export interface HaState {
  groups: Map<string, HaGroupRecord>;
  resources: Map<string, HaResourceRecord>;
}

export function emptyHa(): HaState {
  return { groups: new Map(), resources: new Map() };
}

export function haDigest(value: unknown): string {
  return createHash('sha1').update(JSON.stringify(value)).digest('hex');
}

/** `vm:100`, `ct:101`, or a bare id (the type then comes from the guest). */
export function normalizeSid(ctx: SimContext, raw: string, type?: string): string | undefined {
  const m = /^(?:(vm|ct):)?(\d+)$/.exec(raw);
  if (!m) return undefined;
  if (m[1]) return `${m[1]}:${m[2]}`;
  if (type === 'vm' || type === 'ct') return `${type}:${m[2]}`;
  const guest = ctx.guests.get(Number(m[2]));
  return guest ? `${guest.type === 'qemu' ? 'vm' : 'ct'}:${m[2]}` : undefined;
}

export function sidOf(guest: Pick<Guest, 'type' | 'vmid'>): string {
  return `${guest.type === 'qemu' ? 'vm' : 'ct'}:${guest.vmid}`;
}

export function parseGroupNodes(text: string): { node: string; priority: number }[] {
  return text
    .split(',')
    .filter(Boolean)
    .map((part) => {
      const [node, priority] = part.split(':');
      return { node: node ?? '', priority: Number(priority ?? 0) };
    });
}

function onlineNodes(ctx: SimContext): string[] {
  return [...ctx.nodes.values()].filter((n) => n.online !== false).map((n) => n.name);
}

function servicesOn(ctx: SimContext, node: string): number {
  let count = 0;
  for (const sid of ctx.ha.resources.keys()) {
    const guest = ctx.guests.get(Number(sid.split(':')[1]));
    if (guest?.node === node) count++;
  }
  return count;
}

/** The node the CRM recovers a service on, or undefined when no allowed node is online. */
export function recoveryNode(ctx: SimContext, resource: HaResourceRecord): string | undefined {
  const online = onlineNodes(ctx);
  const group = resource.group ? ctx.ha.groups.get(resource.group) : undefined;
  let candidates = online.map((node) => ({ node, priority: 0 }));
  if (group) {
    const members = parseGroupNodes(group.nodes).filter((m) => online.includes(m.node));
    if (members.length > 0) {
      const top = Math.max(...members.map((m) => m.priority));
      candidates = members.filter((m) => m.priority === top);
    } else if (group.restricted === 1) return undefined;
  }
  candidates.sort((a, b) => servicesOn(ctx, a.node) - servicesOn(ctx, b.node) || a.node.localeCompare(b.node));
  return candidates[0]?.node;
}

function onSharedStorage(ctx: SimContext, guest: Guest, volids: string[]): boolean {
  return volids.every((volid) => {
    const config = ctx.storage.configs.get(volid.split(':')[0] ?? '');
    return config !== undefined && ctx.storage.isShared(config);
  });
}

/**
 * Recovers the HA services of a node that went offline. `volumesOf(guest)` lists the volume ids
 * its config references. Returns the sids moved.
 */
export function recoverNode(ctx: SimContext, node: string, volumesOf: (guest: Guest) => string[]): string[] {
  const moved: string[] = [];
  for (const resource of ctx.ha.resources.values()) {
    if (resource.state !== 'started') continue;
    const guest = ctx.guests.get(Number(resource.sid.split(':')[1]));
    if (!guest || guest.node !== node) continue;
    if (!onSharedStorage(ctx, guest, volumesOf(guest))) continue;
    const target = recoveryNode(ctx, resource);
    if (!target) continue;
    guest.node = target;
    guest.status = 'running';
    guest.startedAt = ctx.clock.now();
    delete guest.config.lock;
    moved.push(resource.sid);
  }
  return moved;
}
