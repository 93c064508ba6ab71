/**
 * Datacenter firewall objects rules refer to: security groups (`pve.fw-group`,
 * `firewall.group.<name>`), IP sets (`pve.fw-ipset`, `firewall.ipset.<name>`) and aliases
 * (`pve.fw-alias`, `firewall.alias.<name>`). Owned = comment starts with `phoenix`. Inside a
 * group or an IP set everything is Phoenix's (the object is).
 */
import { apiPath, type ProxmoxClient } from '../../clients/proxmox/index.ts';
import type { ResourceHandler } from '../../engine/handler.ts';
import { attributeChanges, verdict } from './diff.ts';
import { listHandler } from './list-handler.ts';
import { marker, type Marker } from './marker.ts';
import { normObserved, rewriteRules, ruleReferences, type NormRule } from './rules.ts';
import { isLeaseAlias } from './target-lease.ts';

export const GROUP_KIND = 'pve.fw-group';
export const IPSET_KIND = 'pve.fw-ipset';
export const ALIAS_KIND = 'pve.fw-alias';

const CLUSTER = { level: 'cluster' } as const;

/** `group:web` / `ipset:lan` / `alias:nas` → the resource address. */
export function referenceAddress(ref: string): string {
  const [type = '', name = ''] = ref.split(':');
  return `firewall.${type}.${name}`;
}

export interface GroupDesired {
  name: string;
  comment?: string;
  rules: NormRule[];
}
export interface GroupObserved {
  name: string;
  comment?: string;
  rules: NormRule[];
  positions: number[];
}

export function createGroupHandler(deps: {
  client: ProxmoxClient;
  marker?: Marker;
}): ResourceHandler<GroupDesired, GroupObserved> {
  const m = deps.marker ?? marker();
  const fw = deps.client.firewall;
  const ops = (group: string) => ({
    remove: (pos: number) => fw.deleteGroupRule(group, pos),
    create: (params: Parameters<typeof fw.createGroupRule>[1]) => fw.createGroupRule(group, params),
  });
  return listHandler<GroupDesired, GroupObserved>({
    kind: GROUP_KIND,
    async list() {
      const out = [];
      for (const g of await fw.groups()) {
        const rules = [...(await fw.groupRules(g.group))].sort((a, b) => a.pos - b.pos);
        out.push({
          address: `firewall.group.${g.group}`,
          observed: {
            name: g.group,
            ...(g.comment ? { comment: g.comment } : {}),
            rules: rules.map(normObserved),
            positions: rules.map((r) => r.pos),
          },
          owned: m.owned(g.comment),
          foreign: m.foreign(g.comment),
          dependsOn: rules.map(normObserved).flatMap(ruleReferences).map(referenceAddress),
          summary: `security group ${g.group}`,
        });
      }
      return out;
    },
    diff: ({ resource, observed }) =>
      verdict(observed !== null, observed ? attributeChanges({ rules: resource.desired.rules }, observed) : []),
    async create(_ctx, r) {
      await fw.createGroup(r.desired.name, m.mark(r.desired.comment));
      await rewriteRules([], r.desired.rules, ops(r.desired.name));
    },
    update: (_ctx, r, o) => rewriteRules(o.positions, r.desired.rules, ops(r.desired.name)),
    async remove(_ctx, _address, o) {
      await rewriteRules(o.positions, [], ops(o.name));
      await fw.deleteGroup(o.name);
    },
  });
}

export interface IpsetDesired {
  name: string;
  comment?: string;
  cidrs: string[];
}
export interface IpsetObserved {
  name: string;
  comment?: string;
  cidrs: string[];
}

export function createIpsetHandler(deps: {
  client: ProxmoxClient;
  marker?: Marker;
}): ResourceHandler<IpsetDesired, IpsetObserved> {
  const m = deps.marker ?? marker();
  const fw = deps.client.firewall;
  const sync = async (name: string, want: string[], have: string[]) => {
    for (const cidr of have) if (!want.includes(cidr)) await fw.deleteIpsetEntry(CLUSTER, name, cidr);
    for (const cidr of want) if (!have.includes(cidr)) await fw.addIpsetEntry(CLUSTER, name, { cidr });
  };
  return listHandler<IpsetDesired, IpsetObserved>({
    kind: IPSET_KIND,
    async list() {
      const out = [];
      for (const s of await fw.ipsets(CLUSTER)) {
        const cidrs = (await fw.ipsetEntries(CLUSTER, s.name)).map((e) => e.cidr).sort();
        out.push({
          address: `firewall.ipset.${s.name}`,
          observed: { name: s.name, ...(s.comment ? { comment: s.comment } : {}), cidrs },
          owned: m.owned(s.comment),
          foreign: m.foreign(s.comment),
          summary: `IP set ${s.name}`,
        });
      }
      return out;
    },
    diff: ({ resource, observed }) =>
      verdict(
        observed !== null,
        observed ? attributeChanges({ cidrs: [...new Set(resource.desired.cidrs)].sort() }, observed) : [],
      ),
    async create(_ctx, r) {
      await fw.createIpset(CLUSTER, r.desired.name, m.mark(r.desired.comment));
      await sync(r.desired.name, [...new Set(r.desired.cidrs)], []);
    },
    update: (_ctx, r, o) => sync(r.desired.name, [...new Set(r.desired.cidrs)], o.cidrs),
    // `force` empties the set in the same call.
    remove: (_ctx, _address, o) =>
      deps.client.request('DELETE', apiPath`/cluster/firewall/ipset/${o.name}`, { force: 1 }).then(() => undefined),
  });
}

export interface AliasDesired {
  name: string;
  cidr: string;
  comment?: string;
}
export type AliasObserved = AliasDesired;

export function createAliasHandler(deps: {
  client: ProxmoxClient;
  marker?: Marker;
}): ResourceHandler<AliasDesired, AliasObserved> {
  const m = deps.marker ?? marker();
  const fw = deps.client.firewall;
  return listHandler<AliasDesired, AliasObserved>({
    kind: ALIAS_KIND,
    async list() {
      // The apply lease (target-lease.ts) is not a resource: never planned, diffed or pruned.
      return (await fw.aliases(CLUSTER))
        .filter((a) => !isLeaseAlias(a.name))
        .map((a) => ({
          address: `firewall.alias.${a.name}`,
          observed: { name: a.name, cidr: a.cidr, ...(a.comment ? { comment: a.comment } : {}) },
          owned: m.owned(a.comment),
          foreign: m.foreign(a.comment),
          summary: `alias ${a.name} = ${a.cidr}`,
        }));
    },
    diff: ({ resource, observed }) =>
      verdict(
        observed !== null,
        observed
          ? attributeChanges({ cidr: resource.desired.cidr, comment: m.mark(resource.desired.comment) }, observed)
          : [],
      ),
    create: (_ctx, r) =>
      fw
        .createAlias(CLUSTER, { name: r.desired.name, cidr: r.desired.cidr, comment: m.mark(r.desired.comment) })
        .then(() => undefined),
    update: (_ctx, r) =>
      fw
        .updateAlias(CLUSTER, r.desired.name, { cidr: r.desired.cidr, comment: m.mark(r.desired.comment) })
        .then(() => undefined),
    remove: (_ctx, _address, o) => fw.deleteAlias(CLUSTER, o.name).then(() => undefined),
  });
}
