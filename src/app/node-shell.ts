/**
 * The node shell in one environment: the node resources the config implies (dnsmasq records,
 * NFS exports, their packages and services) join the guests when Phoenix can reach the nodes —
 * `proxmox.ssh` on a real host, or SSH endpoints with a key and pinned host keys (the built-in
 * simulator's own servers, or a test's). VMs are reached through the QEMU guest agent of the
 * same Proxmox client. Order: DNS after the guests it names; a guest that mounts an NFS export
 * after that export.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ProxmoxClient } from '../clients/proxmox/index.ts';
import { SshClient } from '../clients/ssh/ssh-client.ts';
import type { PhoenixConfig, Ssh } from '../config/schema.ts';
import type { AnyResourceHandler, Resource } from '../engine/handler.ts';
import { ConfigError, type Diagnostic } from '../errors.ts';
import {
  createNodeTransports,
  deriveNodeResources,
  DNS_KIND,
  guestAgentFromQemuApi,
  nodeHandlers,
  shellResolver,
  type ShellResolver,
} from '../providers/node/index.ts';
import { guestAddress } from '../providers/proxmox/spec.ts';

/** SSH endpoints per node that all accept one key, each with a pinned host key. */
export interface NodeSshEndpoints {
  endpoints: Record<string, { host: string; port: number; hostKeyFingerprint: string }>;
  privateKey: string;
  user?: string;
}

export type NodeShellAccess =
  | { kind: 'endpoints'; ssh: NodeSshEndpoints }
  | { kind: 'config'; ssh: Ssh; configDir: string; resolveSecret(ref: string): Promise<string> };

export interface NodeShellWiring {
  /** The node resources this environment manages (empty without SSH access). */
  resources: Resource[];
  /** `all` plus the node resources, with the ordering edges between them and the guests. */
  link(all: readonly Resource[]): Resource[];
  handlers: AnyResourceHandler[];
  /** Shells on the nodes and guests (absent without SSH access); the pki provider uses them too. */
  shells?: ShellResolver;
  /** Why node resources are left out (no SSH access), for the user to see. */
  warnings: Diagnostic[];
  close(): Promise<void>;
}

const NONE: NodeShellWiring = {
  resources: [],
  link: (all) => [...all],
  handlers: [],
  warnings: [],
  close: async () => undefined,
};

function clientsFor(ssh: NodeSshEndpoints): { get(node: string): SshClient | undefined; close(): Promise<void> } {
  const clients = new Map<string, SshClient>();
  for (const [node, e] of Object.entries(ssh.endpoints)) {
    clients.set(
      node,
      new SshClient({
        host: e.host,
        port: e.port,
        username: ssh.user ?? 'root',
        privateKey: ssh.privateKey,
        hostKey: { fingerprint: e.hostKeyFingerprint },
      }),
    );
  }
  return {
    get: (node) => clients.get(node),
    close: async () => {
      await Promise.all([...clients.values()].map((c) => c.close()));
    },
  };
}

/**
 * Adds the node resources to the environment's resources, with the ordering edges: DNS after
 * every declared guest, a guest after the NFS exports it mounts. Returns copies; never mutates.
 */
function linkToGuests(config: PhoenixConfig, nodeResources: Resource[], all: readonly Resource[]): Resource[] {
  const present = new Set(all.map((r) => r.address));
  const declared = config.guests.map((g) => guestAddress(g.id)).filter((a) => present.has(a));
  const nodeAddresses = new Set(nodeResources.map((r) => r.address));
  const firstNode = config.cluster.nodes[0]?.name ?? 'pve';
  const exportAddress = new Map(config.nfs.exports.map((e) => [e.name, `node.${e.node ?? firstNode}.nfs`]));
  const mountsOf = new Map<string, string[]>();
  for (const g of config.guests) {
    const needed = g.mounts
      .map((m) => (m.nfs === undefined ? undefined : exportAddress.get(m.nfs)))
      .filter((a): a is string => a !== undefined && nodeAddresses.has(a));
    if (needed.length > 0) mountsOf.set(guestAddress(g.id), needed);
  }
  const withEdges = (r: Resource, edges: readonly string[]): Resource => {
    const added = edges.filter((a) => a !== r.address && !r.dependsOn.includes(a));
    return added.length > 0 ? { ...r, dependsOn: [...r.dependsOn, ...new Set(added)] } : r;
  };
  return [
    ...all.map((r) => withEdges(r, mountsOf.get(r.address) ?? [])),
    ...nodeResources.map((r) => (r.kind === DNS_KIND ? withEdges(r, declared) : r)),
  ];
}

export async function wireNodeShell(input: {
  config: PhoenixConfig;
  proxmox: ProxmoxClient;
  access?: NodeShellAccess;
}): Promise<NodeShellWiring> {
  const derived = deriveNodeResources(input.config);
  const errors = derived.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new ConfigError(errors);
  const warnings = derived.diagnostics.filter((d) => d.severity !== 'error');
  if (derived.resources.length === 0) return { ...NONE, warnings };
  if (!input.access) {
    return {
      ...NONE,
      warnings: [
        ...warnings,
        {
          severity: 'warning',
          code: 'W_NODE_NO_SSH',
          message: `internal DNS and NFS exports are not managed: no SSH access to the nodes`,
          hint: 'set proxmox.ssh (user, privateKey, knownHosts or hostKeyFingerprint) to let Phoenix manage them',
        },
      ],
    };
  }
  const access = input.access;
  const transports =
    access.kind === 'endpoints'
      ? clientsFor(access.ssh)
      : await createNodeTransports({
          ssh: access.ssh,
          nodes: input.config.cluster.nodes,
          resolveSecret: access.resolveSecret,
          readConfigFile: (path) => readFile(resolve(access.configDir, path), 'utf8'),
        });
  const shells = shellResolver({
    node: (name) => transports.get(name),
    agent: guestAgentFromQemuApi(input.proxmox.qemu),
  });
  return {
    resources: derived.resources,
    link: (all) => linkToGuests(input.config, derived.resources, all),
    handlers: nodeHandlers(shells),
    shells,
    warnings,
    close: () => transports.close(),
  };
}

/**
 * How this environment reaches its nodes: an endpoint override brings its own SSH endpoints (or
 * none), a real host uses `proxmox.ssh`, the built-in simulator its own SSH servers.
 */
export function nodeShellAccess(input: {
  endpoint?: { ssh?: NodeSshEndpoints };
  proxmoxSsh?: Ssh;
  hasProxmox: boolean;
  simulatorSsh?: NodeSshEndpoints;
  configDir: string;
  resolveSecret(ref: string): Promise<string>;
}): NodeShellAccess | undefined {
  if (input.endpoint) return input.endpoint.ssh ? { kind: 'endpoints', ssh: input.endpoint.ssh } : undefined;
  if (input.hasProxmox) {
    return input.proxmoxSsh
      ? { kind: 'config', ssh: input.proxmoxSsh, configDir: input.configDir, resolveSecret: input.resolveSecret }
      : undefined;
  }
  return input.simulatorSsh ? { kind: 'endpoints', ssh: input.simulatorSsh } : undefined;
}
