/**
 * Firewall rules in one normal form for both sides of the diff, and the rewrite of an ordered
 * rule list: Phoenix's rules (comment marker) are removed from the bottom up, then the declared
 * ones are inserted at the top in reverse (PVE inserts a new rule at position 0), so they end
 * up first and in the declared order. Rules without the marker keep their relative order.
 */
import type { FirewallRule as ApiRule } from '../../clients/proxmox/api/firewall.ts';
import type { Params } from '../../clients/proxmox/types.ts';
import type { FirewallRule, HostFirewallRule } from '../../config/schema.ts';
import { marker, type Marker } from './marker.ts';

export interface NormRule {
  type: string;
  action: string;
  enable: number;
  proto?: string;
  dport?: string;
  sport?: string;
  source?: string;
  dest?: string;
  iface?: string;
  comment: string;
}

const OPTIONAL = ['proto', 'dport', 'sport', 'source', 'dest', 'iface'] as const;

/** The declared rule as PVE will store it. */
export function normDesired(rule: FirewallRule | HostFirewallRule, m: Marker = marker()): NormRule {
  if (rule.type === 'group')
    return {
      type: 'group',
      action: rule.group,
      enable: rule.enabled ? 1 : 0,
      ...(rule.iface ? { iface: rule.iface } : {}),
      comment: m.mark(rule.comment),
    };
  const out: NormRule = {
    type: rule.type,
    action: rule.action,
    enable: rule.enabled ? 1 : 0,
    comment: m.mark(rule.comment),
  };
  for (const key of ['proto', 'dport', 'sport', 'source', 'dest'] as const)
    if (rule[key] !== undefined) out[key] = String(rule[key]);
  return out;
}

export function normObserved(rule: ApiRule): NormRule {
  const out: NormRule = {
    type: rule.type,
    action: rule.action,
    enable: Number(rule.enable ?? 0),
    comment: String(rule.comment ?? ''),
  };
  for (const key of OPTIONAL) if (rule[key] !== undefined && rule[key] !== '') out[key] = String(rule[key]);
  return out;
}

/** Phoenix's rules of a list, in position order, with their positions. */
export function ownedRules(rules: ApiRule[], m: Marker = marker()): { rules: NormRule[]; positions: number[] } {
  // Rules of other environments and of people are kept where they are, like unmarked ones.
  const owned = [...rules].sort((a, b) => a.pos - b.pos).filter((r) => m.owned(r.comment) || m.legacy(r.comment));
  return { rules: owned.map(normObserved), positions: owned.map((r) => r.pos) };
}

export function ruleParams(rule: NormRule): Params & { type: string; action: string } {
  return { ...rule };
}

/** Names a rule refers to (security group, `+ipset`, alias) for dependency edges. */
export function ruleReferences(rule: NormRule): string[] {
  const refs: string[] = [];
  if (rule.type === 'group') refs.push(`group:${rule.action}`);
  for (const side of [rule.source, rule.dest]) {
    for (const part of (side ?? '').split(',')) {
      const name = part.trim();
      if (name.startsWith('+')) refs.push(`ipset:${name.slice(1).replace(/^dc\//, '')}`);
      else if (/^[A-Za-z][A-Za-z0-9_-]+$/.test(name)) refs.push(`alias:${name.replace(/^dc\//, '')}`);
    }
  }
  return refs;
}

/** Removes the owned positions bottom-up, then inserts `desired` so it ends up on top, in order. */
export async function rewriteRules(
  positions: number[],
  desired: NormRule[],
  ops: {
    remove(pos: number): Promise<unknown>;
    create(params: Params & { type: string; action: string }): Promise<unknown>;
  },
): Promise<void> {
  for (const pos of [...positions].sort((a, b) => b - a)) await ops.remove(pos);
  for (const rule of [...desired].reverse()) await ops.create(ruleParams(rule));
}
