/**
 * PVE HA, declared per guest (`ha: { group, state }`) and as host objects (`host.ha.groups`):
 * Phoenix declares what the HA manager should do and leaves recovery to it. When a node fails,
 * PVE's CRM restarts the guest elsewhere; the guest keeps its vmid (its address), so the next
 * plan finds it on its new node and changes nothing (never a replacement).
 *
 * Kinds: `proxmox.ha-group` (`ha-group.<name>`) and `proxmox.ha` (`ha.<vmid>`, sid `vm:<id>` /
 * `ct:<id>`, after its guest and its group). One `GET /cluster/ha/...` per kind, only when
 * something of the kind is declared. Only declared objects are observed, so Phoenix never
 * deletes an HA object it was not asked about.
 */
import type { ProxmoxClient } from '../../clients/proxmox/index.ts';
import type { PhoenixConfig } from '../../config/schema.ts';
import type { Resource, ResourceHandler } from '../../engine/handler.ts';
import { asRetryable } from '../pve-retry.ts';
import { guestAddress } from './spec.ts';

export const HA_KIND = 'proxmox.ha';
export const HA_GROUP_KIND = 'proxmox.ha-group';

export interface HaResourceSpec {
  sid: string;
  state: string;
  group?: string;
  max_restart?: number;
  max_relocate?: number;
}

export interface HaGroupSpec {
  group: string;
  nodes: string;
  restricted: number;
  nofailback: number;
  comment?: string;
}

type Observed = Record<string, string | number | undefined>;

export function haGroupAddress(name: string): string {
  return `ha-group.${name}`;
}

export function deriveHa(config: PhoenixConfig): Resource[] {
  const out: Resource[] = [];
  for (const g of config.host.ha.groups) {
    const desired: HaGroupSpec = {
      group: g.name,
      nodes: g.nodes.map((n) => (typeof n === 'string' ? n : `${n.node}:${n.priority}`)).join(','),
      restricted: g.restricted ? 1 : 0,
      nofailback: g.nofailback ? 1 : 0,
      ...(g.comment === undefined ? {} : { comment: g.comment }),
    };
    out.push({ address: haGroupAddress(g.name), kind: HA_GROUP_KIND, desired, dependsOn: [] });
  }
  for (const guest of config.guests) {
    if (!guest.ha) continue;
    const desired: HaResourceSpec = {
      sid: `${guest.type === 'vm' ? 'vm' : 'ct'}:${guest.id}`,
      state: guest.ha.state,
      ...(guest.ha.group === undefined ? {} : { group: guest.ha.group }),
      ...(guest.ha.maxRestart === undefined ? {} : { max_restart: guest.ha.maxRestart }),
      ...(guest.ha.maxRelocate === undefined ? {} : { max_relocate: guest.ha.maxRelocate }),
    };
    const dependsOn = [guestAddress(guest.id), ...(guest.ha.group ? [haGroupAddress(guest.ha.group)] : [])];
    out.push({ address: `ha.${guest.id}`, kind: HA_KIND, desired, dependsOn });
  }
  return out;
}

/** The keys Phoenix sets; any other key PVE reports is left alone. */
function changed(desired: Observed, observed: Observed, defaults: Observed) {
  return Object.keys(desired)
    .filter((k) => String(desired[k] ?? defaults[k] ?? '') !== String(observed[k] ?? defaults[k] ?? ''))
    .map((k) => ({ path: k, before: observed[k], after: desired[k] }));
}

function handler<D extends Observed>(options: {
  kind: string;
  client: ProxmoxClient;
  key: keyof D & string;
  defaults: Observed;
  list(): Promise<Observed[]>;
  create(d: D): Promise<void>;
  update(id: string, params: Observed): Promise<void>;
  remove(id: string): Promise<void>;
}): ResourceHandler<D, Observed> {
  const observeAll: NonNullable<ResourceHandler<D, Observed>['observeAll']> = async (req) => {
    if (req.resources.length === 0) return { found: [] };
    const rows = new Map((await options.list()).map((r) => [String(r[options.key]), r]));
    const found = [];
    for (const r of req.resources) {
      const row = rows.get(String(r.desired[options.key]));
      if (!row) continue;
      const observed: Observed = {};
      for (const k of Object.keys(r.desired)) observed[k] = row[k];
      found.push({ address: r.address, kind: options.kind, observed });
    }
    return { found };
  };
  const h: ResourceHandler<D, Observed> = {
    kind: options.kind,
    observeAll,
    async observe(req) {
      const all = await observeAll({ ctx: req.ctx, resources: [req.resource] });
      return { observed: all.found[0]?.observed ?? null };
    },
    diff(req) {
      if (!req.observed)
        return { action: 'create', changes: [], requiresReplace: [], requiresRestart: false, reasons: [] };
      const changes = changed(req.resource.desired, req.observed, options.defaults);
      return {
        action: changes.length > 0 ? 'update' : 'noop',
        changes,
        requiresReplace: [],
        requiresRestart: false,
        reasons: changes.map((c) => `${c.path} changed`),
      };
    },
    async create(req) {
      try {
        await options.create(req.resource.desired);
      } catch (error) {
        throw asRetryable(error, req.resource.address);
      }
      return {};
    },
    async update(req) {
      const d = req.resource.desired;
      const params: Observed = {};
      for (const c of changed(d, req.observed, options.defaults)) params[c.path] = d[c.path];
      try {
        await options.update(String(d[options.key]), params);
      } catch (error) {
        throw asRetryable(error, req.resource.address);
      }
      return {};
    },
    async delete(req) {
      if (req.observed) await options.remove(String(req.observed[options.key]));
      return {};
    },
    health: () => Promise.resolve({ status: 'healthy' }),
  };
  return h;
}

export function createHaHandlers(client: ProxmoxClient): ResourceHandler[] {
  return [
    handler<HaGroupSpec & Observed>({
      kind: HA_GROUP_KIND,
      client,
      key: 'group',
      defaults: { restricted: 0, nofailback: 0 },
      list: () => client.ha.groups() as Promise<Observed[]>,
      create: (d) => client.ha.createGroup(d),
      update: (id, params) => client.ha.updateGroup(id, params),
      remove: (id) => client.ha.deleteGroup(id),
    }) as ResourceHandler,
    handler<HaResourceSpec & Observed>({
      kind: HA_KIND,
      client,
      key: 'sid',
      defaults: { max_restart: 1, max_relocate: 1 },
      list: () => client.ha.resources() as Promise<Observed[]>,
      create: (d) => client.ha.createResource(d),
      update: (id, params) => client.ha.updateResource(id, params),
      remove: (id) => client.ha.deleteResource(id),
    }) as ResourceHandler,
  ];
}
