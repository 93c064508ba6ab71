/**
 * `pve.firewall`: the firewall of the datacenter (`firewall.cluster`: enable, input/output
 * policy, rules) or of one node (`firewall.node.<node>`: enable, rules). Only options that are
 * declared are compared, and only rules carrying the `phoenix` comment marker are Phoenix's:
 * other rules are never changed or removed. Deleting the resource (prune) removes Phoenix's
 * rules only and leaves the options as they are.
 */
import type { FirewallScope } from '../../clients/proxmox/api/firewall.ts';
import type { ProxmoxClient } from '../../clients/proxmox/index.ts';
import type { AttributeChange } from '../../engine/plan/types.ts';
import type { ResourceHandler } from '../../engine/handler.ts';
import { attributeChanges, verdict } from './diff.ts';
import { listHandler, type Listed } from './list-handler.ts';
import { reachableNodes } from './nodes.ts';
import { unreachableDiagnostic } from '../cluster-view.ts';
import { marker, type Marker } from './marker.ts';
import { ownedRules, rewriteRules, ruleReferences, type NormRule } from './rules.ts';
import { referenceAddress } from './firewall-objects.ts';

export const FIREWALL_KIND = 'pve.firewall';

export interface FirewallDesired {
  level: 'cluster' | 'node';
  node?: string;
  /** Declared options only (`enable`, `policy_in`, `policy_out`). */
  options: Record<string, string | number>;
  rules: NormRule[];
}

export interface FirewallObserved {
  level: 'cluster' | 'node';
  node?: string;
  options: Record<string, string | number>;
  rules: NormRule[];
  positions: number[];
}

export function firewallAddress(level: 'cluster' | 'node', node?: string): string {
  return level === 'cluster' ? 'firewall.cluster' : `firewall.node.${node ?? ''}`;
}

function scopeOf(x: { level: 'cluster' | 'node'; node?: string }): FirewallScope {
  return x.level === 'cluster' ? { level: 'cluster' } : { level: 'node', node: x.node ?? '' };
}

function normOptions(raw: Record<string, unknown>): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  if (raw.enable !== undefined) out.enable = Number(raw.enable);
  for (const key of ['policy_in', 'policy_out'] as const) if (raw[key] !== undefined) out[key] = String(raw[key]);
  return out;
}

export function createFirewallHandler(deps: {
  client: ProxmoxClient;
  marker?: Marker;
}): ResourceHandler<FirewallDesired, FirewallObserved> {
  const m = deps.marker ?? marker();
  const { client } = deps;
  const fw = client.firewall;
  const read = async (level: 'cluster' | 'node', node?: string): Promise<Listed<FirewallObserved>> => {
    const scope = scopeOf({ level, node });
    const options = normOptions(await fw.options(scope));
    const owned = ownedRules(await fw.rules(scope), m);
    return {
      address: firewallAddress(level, node),
      observed: { level, ...(node ? { node } : {}), options, ...owned },
      owned: owned.rules.length > 0,
      ...(node ? { node } : {}),
      dependsOn: owned.rules.flatMap(ruleReferences).map(referenceAddress),
      summary: level === 'cluster' ? 'datacenter firewall' : `firewall of node ${node ?? ''}`,
    };
  };
  return listHandler<FirewallDesired, FirewallObserved>({
    kind: FIREWALL_KIND,
    async list(ctx, desired) {
      // A node that is down (the plan's shared cluster read says so): its firewall is unknown.
      const { online: nodes, offline } = await reachableNodes(
        client,
        ctx,
        desired.flatMap((r) => (r.desired.node ? [r.desired.node] : [])),
      );
      const out: Listed<FirewallObserved>[] = desired
        .filter((r) => r.desired.node !== undefined && offline.has(r.desired.node))
        .map((r) => ({
          address: r.address,
          observed: null as unknown as FirewallObserved,
          owned: false,
          summary: `firewall of node ${r.desired.node ?? ''}`,
          unknown: unreachableDiagnostic(r.desired.node ?? '', 'its firewall'),
        }));
      out.push(await read('cluster'));
      for (const node of nodes) out.push(await read('node', node));
      return out;
    },
    diff({ resource, observed }) {
      const d = resource.desired;
      const o = observed ?? { options: {}, rules: [] };
      const changes: AttributeChange[] = attributeChanges(d.options, o.options, 'options.');
      if (JSON.stringify(d.rules) !== JSON.stringify(o.rules))
        changes.push({ path: 'rules', before: o.rules, after: d.rules });
      // The firewall of a scope always exists: "create" never applies.
      return verdict(true, changes);
    },
    create: () => Promise.reject(new Error('a firewall scope always exists')),
    async update(_ctx, r, observed) {
      const d = r.desired;
      const scope = scopeOf(d);
      if (attributeChanges(d.options, observed.options).length > 0) await fw.setOptions(scope, d.options);
      if (JSON.stringify(d.rules) !== JSON.stringify(observed.rules))
        await rewriteRules(observed.positions, d.rules, {
          remove: (pos) => fw.deleteRule(scope, pos),
          create: (params) => fw.createRule(scope, params),
        });
    },
    async remove(_ctx, _address, observed) {
      const scope = scopeOf(observed);
      await rewriteRules(observed.positions, [], {
        remove: (pos) => fw.deleteRule(scope, pos),
        create: (params) => fw.createRule(scope, params),
      });
    },
  });
}
