/**
 * Firewall state (spec A.8): `cluster.fw` (options, rules, security groups, ipsets, aliases),
 * per-node options and rules, and `<vmid>.fw` per guest. Rules are ordered lists whose
 * position is their index; a new rule is inserted at the top (pve-firewall `unshift`).
 */
import { createHash } from 'node:crypto';

export type FwRule = Record<string, string | number>;

export interface IpsetEntry {
  cidr: string;
  comment?: string;
  nomatch?: number;
}

export interface FwScope {
  options: Record<string, string | number>;
  rules: FwRule[];
  ipsets: Record<string, { comment?: string; entries: IpsetEntry[] }>;
  aliases: Record<string, { cidr: string; comment?: string }>;
}

export interface FirewallState {
  cluster: FwScope & { groups: Record<string, { comment?: string; rules: FwRule[] }> };
  nodes: Record<string, FwScope>;
  guests: Record<string, FwScope>;
}

export function emptyScope(): FwScope {
  return { options: {}, rules: [], ipsets: {}, aliases: {} };
}

export function emptyFirewall(): FirewallState {
  return { cluster: { ...emptyScope(), groups: {} }, nodes: {}, guests: {} };
}

/** SHA1 over a whole list (pve-firewall `copy_list_with_digest`). */
export function listDigest(value: unknown): string {
  return createHash('sha1').update(JSON.stringify(value)).digest('hex');
}
