/**
 * Firewall at the three levels PVE has: cluster (with security groups), node, and guest. The
 * same calls are built on a scope's base path; only the cluster has groups, and nodes have
 * no aliases or ipsets (the API answers 501 there).
 */
import { apiPath } from '../encode.ts';
import { z } from 'zod';
import {
  FirewallAliasSchema,
  FirewallGroupSchema,
  FirewallIpsetEntrySchema,
  FirewallIpsetSchema,
  FirewallRuleSchema,
  requestParsed,
} from '../responses.ts';
import type { Params, ProxmoxTransport } from '../types.ts';

export type FirewallScope =
  | { level: 'cluster' }
  | { level: 'node'; node: string }
  | { level: 'guest'; node: string; kind: 'lxc' | 'qemu'; vmid: number };

export interface FirewallRule {
  pos: number;
  type: 'in' | 'out' | 'group' | 'forward';
  action: string;
  enable?: number;
  source?: string;
  dest?: string;
  proto?: string;
  dport?: string;
  sport?: string;
  macro?: string;
  iface?: string;
  log?: string;
  comment?: string;
  digest?: string;
  [key: string]: unknown;
}

export interface FirewallAlias {
  name: string;
  cidr: string;
  comment?: string;
  digest?: string;
}

export interface FirewallIpsetEntry {
  cidr: string;
  nomatch?: number;
  comment?: string;
}

export interface FirewallApi {
  options(scope: FirewallScope): Promise<Record<string, unknown>>;
  setOptions(scope: FirewallScope, params: Params): Promise<null>;
  rules(scope: FirewallScope): Promise<FirewallRule[]>;
  /** Rules are positional: a create is not idempotent, so it is never retried blindly. */
  createRule(scope: FirewallScope, params: Params & { type: string; action: string }): Promise<null>;
  updateRule(scope: FirewallScope, pos: number, params: Params): Promise<null>;
  deleteRule(scope: FirewallScope, pos: number, digest?: string): Promise<null>;
  aliases(scope: FirewallScope): Promise<FirewallAlias[]>;
  createAlias(scope: FirewallScope, params: Params & { name: string; cidr: string }): Promise<null>;
  updateAlias(scope: FirewallScope, name: string, params: Params & { cidr: string }): Promise<null>;
  deleteAlias(scope: FirewallScope, name: string): Promise<null>;
  ipsets(scope: FirewallScope): Promise<{ name: string; comment?: string }[]>;
  createIpset(scope: FirewallScope, name: string, comment?: string): Promise<null>;
  ipsetEntries(scope: FirewallScope, name: string): Promise<FirewallIpsetEntry[]>;
  addIpsetEntry(scope: FirewallScope, name: string, params: Params & { cidr: string }): Promise<null>;
  deleteIpsetEntry(scope: FirewallScope, name: string, cidr: string): Promise<null>;
  deleteIpset(scope: FirewallScope, name: string): Promise<null>;
  groups(): Promise<{ group: string; comment?: string }[]>;
  createGroup(group: string, comment?: string): Promise<null>;
  deleteGroup(group: string): Promise<null>;
  groupRules(group: string): Promise<FirewallRule[]>;
  createGroupRule(group: string, params: Params & { type: string; action: string }): Promise<null>;
  updateGroupRule(group: string, pos: number, params: Params): Promise<null>;
  deleteGroupRule(group: string, pos: number): Promise<null>;
}

export function firewallBase(scope: FirewallScope): string {
  if (scope.level === 'cluster') return '/cluster/firewall';
  if (scope.level === 'node') return apiPath`/nodes/${scope.node}/firewall`;
  return apiPath`/nodes/${scope.node}/${scope.kind}/${scope.vmid}/firewall`;
}

export function firewallApi(t: ProxmoxTransport): FirewallApi {
  const b = firewallBase;
  const g = (group: string) => apiPath`/cluster/firewall/groups/${group}`;
  return {
    options: (s) => t.request('GET', `${b(s)}/options`),
    setOptions: (s, params) => t.request('PUT', `${b(s)}/options`, params),
    rules: (s) => requestParsed(t, z.array(FirewallRuleSchema), 'GET', `${b(s)}/rules`),
    createRule: (s, params) => t.request('POST', `${b(s)}/rules`, params),
    updateRule: (s, pos, params) => t.request('PUT', `${b(s)}/rules/${pos}`, params),
    deleteRule: (s, pos, digest) => t.request('DELETE', `${b(s)}/rules/${pos}`, { digest }),
    aliases: (s) => requestParsed(t, z.array(FirewallAliasSchema), 'GET', `${b(s)}/aliases`),
    createAlias: (s, params) => t.request('POST', `${b(s)}/aliases`, params),
    updateAlias: (s, name, params) => t.request('PUT', `${b(s)}/aliases/${encodeURIComponent(name)}`, params),
    deleteAlias: (s, name) => t.request('DELETE', `${b(s)}/aliases/${encodeURIComponent(name)}`),
    ipsets: (s) => requestParsed(t, z.array(FirewallIpsetSchema), 'GET', `${b(s)}/ipset`),
    createIpset: (s, name, comment) => t.request('POST', `${b(s)}/ipset`, { name, comment }),
    ipsetEntries: (s, name) =>
      requestParsed(t, z.array(FirewallIpsetEntrySchema), 'GET', `${b(s)}/ipset/${encodeURIComponent(name)}`),
    addIpsetEntry: (s, name, params) => t.request('POST', `${b(s)}/ipset/${encodeURIComponent(name)}`, params),
    deleteIpsetEntry: (s, name, cidr) =>
      t.request('DELETE', `${b(s)}/ipset/${encodeURIComponent(name)}/${encodeURIComponent(cidr)}`),
    deleteIpset: (s, name) => t.request('DELETE', `${b(s)}/ipset/${encodeURIComponent(name)}`),
    groups: () => requestParsed(t, z.array(FirewallGroupSchema), 'GET', '/cluster/firewall/groups'),
    createGroup: (group, comment) => t.request('POST', '/cluster/firewall/groups', { group, comment }),
    deleteGroup: (group) => t.request('DELETE', g(group)),
    groupRules: (group) => requestParsed(t, z.array(FirewallRuleSchema), 'GET', g(group)),
    createGroupRule: (group, params) => t.request('POST', g(group), params),
    updateGroupRule: (group, pos, params) => t.request('PUT', `${g(group)}/${pos}`, params),
    deleteGroupRule: (group, pos) => t.request('DELETE', `${g(group)}/${pos}`),
  };
}
