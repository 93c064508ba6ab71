/**
 * Builds the SSH transports of the nodes from `proxmox.ssh` and `cluster.nodes`: one lazily
 * connected, reused `SshClient` per node. The private key comes through the caller's secret
 * resolver; the known_hosts text through the caller's file reader (paths are config-relative).
 */
import { PhoenixError } from '../../errors.ts';
import { SshClient } from '../../clients/ssh/ssh-client.ts';
import type { HostKeyPolicy } from '../../clients/ssh/host-key.ts';

export interface NodeSshSettings {
  user: string;
  port: number;
  privateKey: string;
  knownHosts?: string;
  hostKeyFingerprint?: string;
}

export interface NodeTransportDeps {
  ssh: NodeSshSettings;
  nodes: { name: string; address?: string }[];
  resolveSecret(ref: string): Promise<string>;
  readConfigFile(path: string): Promise<string>;
}

export async function createNodeTransports(
  deps: NodeTransportDeps,
): Promise<{ get(node: string): SshClient | undefined; close(): Promise<void> }> {
  const { ssh } = deps;
  let hostKey: HostKeyPolicy;
  if (ssh.hostKeyFingerprint) hostKey = { fingerprint: ssh.hostKeyFingerprint };
  else if (ssh.knownHosts)
    hostKey = { knownHosts: await deps.readConfigFile(ssh.knownHosts), knownHostsFile: ssh.knownHosts };
  else {
    throw new PhoenixError('proxmox.ssh needs knownHosts or hostKeyFingerprint', {
      code: 'E_SSH_NO_HOST_KEY',
      hint: 'Phoenix never trusts an unknown host key: pin it with hostKeyFingerprint (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on the node) or give a known_hosts file',
    });
  }
  const privateKey = await deps.resolveSecret(ssh.privateKey);
  const clients = new Map<string, SshClient>();
  for (const node of deps.nodes) {
    clients.set(
      node.name,
      new SshClient({ host: node.address ?? node.name, port: ssh.port, username: ssh.user, privateKey, hostKey }),
    );
  }
  return {
    get: (node) => clients.get(node),
    close: async () => {
      await Promise.all([...clients.values()].map((client) => client.close()));
    },
  };
}
