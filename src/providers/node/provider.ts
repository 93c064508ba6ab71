/**
 * The node provider module: what Phoenix manages on the nodes through their shell (dnsmasq
 * records, NFS exports, their packages and services; VMs via the QEMU guest agent). Its
 * resources exist only when the nodes can be reached; otherwise derive says why, once.
 * Order: DNS after every declared guest it names (typed references).
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { SshClient } from '../../clients/ssh/ssh-client.ts';
import type { PhoenixConfig } from '../../config/schema.ts';
import type { Resource, ResourceRef } from '../../engine/handler.ts';
import { routeHostsForDns } from '../gateway/index.ts';
import { defineProvider } from '../provider.ts';
import type { NodeShellAccess, NodeSshEndpoints } from './access.ts';
import { deriveNodeResources } from './derive.ts';
import { DNS_KIND } from './dns/handler.ts';
import { FILE_KIND } from './file.ts';
import { NFS_KIND } from './nfs/handler.ts';
import { PACKAGES_KIND } from './packages.ts';
import { PROBE_KIND } from './probe.ts';
import { SERVICE_KIND } from './service.ts';
import { createNodeTransports } from './transports.ts';
import { nodeHandlers } from './index.ts';

/** The `node.nfs` resource serving the export named `name` (a guest that mounts it references it). */
export function nfsExportRef(config: PhoenixConfig, name: string): ResourceRef | undefined {
  const e = config.nfs.exports.find((x) => x.name === name);
  if (!e) return undefined;
  return { kind: NFS_KIND, address: `node.${e.node ?? config.cluster.nodes[0]?.name ?? 'pve'}.nfs` };
}

/** A guest's address, for the DNS records that name it (the guest provider owns the format). */
const guestRef = (vmid: number): ResourceRef => ({ kind: 'proxmox.guest', address: `guest.${vmid}` });

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

/** One lazily connected SSH client per node (connections open on the first command). */
export async function nodeTransports(
  access: NodeShellAccess,
  config: PhoenixConfig,
): Promise<{ get(node: string): SshClient | undefined; close(): Promise<void> }> {
  if (access.kind === 'endpoints') return clientsFor(access.ssh);
  return createNodeTransports({
    ssh: access.ssh,
    nodes: config.cluster.nodes,
    resolveSecret: access.resolveSecret,
    readConfigFile: (path) => readFile(resolve(access.configDir, path), 'utf8'),
  });
}

export const nodeProvider = defineProvider({
  name: 'node',
  sections: ['nfs', 'dns'],
  kinds: [FILE_KIND, PACKAGES_KIND, SERVICE_KIND, PROBE_KIND, DNS_KIND, NFS_KIND],
  keptOnDestroy: {
    [PACKAGES_KIND]: 'packages are left installed (Phoenix never removes packages)',
    [SERVICE_KIND]: 'services are left as they are',
    [PROBE_KIND]: 'a health probe changes nothing on the target',
  },
  derive({ config, nodeShell }) {
    // Every route host (stack environment hosts included) resolves to the gateway.
    const derived = deriveNodeResources({ ...config, routes: routeHostsForDns(config) });
    const warnings = derived.diagnostics.filter((d) => d.severity !== 'error');
    const errors = derived.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length > 0 || derived.resources.length === 0) return { resources: [], diagnostics: derived.diagnostics };
    if (!nodeShell) {
      return {
        resources: [],
        diagnostics: [
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
    const guests = config.guests.map((g) => guestRef(g.id));
    const resources = derived.resources.map((r): Resource => (r.kind === DNS_KIND ? { ...r, references: guests } : r));
    return { resources, diagnostics: warnings };
  },
  handlers(rt) {
    // No access: the handlers exist (their kinds stay known) but never connect. The shells are
    // shared with the providers working inside guests (pki, gateway); connections open on first use.
    return nodeHandlers(rt.shells ?? (() => unreachable()));
  },
});

function unreachable(): never {
  throw new Error('the nodes cannot be reached: no SSH access');
}
