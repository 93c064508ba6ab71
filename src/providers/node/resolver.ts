/**
 * How handlers get a shell for a target. The wiring code (CLI/createPhoenix) builds one from the
 * SSH clients per node and the Proxmox client's guest agent; tests build one on the simulator.
 */
import { lxcShell, nodeShell, type NodeTransport, type TargetRef, type TargetShell } from './shell.ts';
import { vmShell, type GuestAgent } from './guest-agent.ts';
import { ProviderError } from '../../errors.ts';

export type ShellResolver = (target: TargetRef) => TargetShell;

export interface ShellResolverOptions {
  /** The SSH transport of a node (a reused `SshClient`). */
  node(name: string): NodeTransport | undefined;
  agent?: GuestAgent;
}

export function shellResolver(options: ShellResolverOptions): ShellResolver {
  return (target) => {
    if (target.kind === 'vm') {
      if (!options.agent) {
        throw new ProviderError(`no guest agent access configured for VM ${target.vmid}`, { code: 'E_NODE_NO_AGENT' });
      }
      return vmShell(target.node, target.vmid, options.agent);
    }
    const ssh = options.node(target.node);
    if (!ssh) {
      throw new ProviderError(`no SSH access to node ${target.node}`, {
        code: 'E_NODE_NO_SSH',
        hint: 'set proxmox.ssh (user, privateKey, knownHosts or hostKeyFingerprint) and the node address in cluster.nodes',
      });
    }
    return target.kind === 'node' ? nodeShell(target.node, ssh) : lxcShell(target.node, target.vmid, ssh);
  };
}
