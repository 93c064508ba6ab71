/**
 * How one environment reaches its nodes' shells: an endpoint override brings its own SSH
 * endpoints (or none), a real host uses `proxmox.ssh`, the built-in simulator its own SSH
 * servers. The node provider (src/providers/node/provider.ts) builds its transports from this.
 */
import type { Ssh } from '../config/schema.ts';
import type { NodeShellAccess, NodeSshEndpoints } from '../providers/node/access.ts';

export type { NodeShellAccess, NodeSshEndpoints };

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
