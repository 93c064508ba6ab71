/** Public surface of the node provider (host shell: SSH → pct exec/push, dnsmasq, NFS; VMs via the guest agent). */
import type { AnyResourceHandler } from '../../engine/handler.ts';
import { dnsHandler } from './dns/handler.ts';
import { fileHandler } from './file.ts';
import { nfsHandler } from './nfs/handler.ts';
import { packagesHandler } from './packages.ts';
import { probeHandler } from './probe.ts';
import type { ShellResolver } from './resolver.ts';
import { serviceHandler } from './service.ts';
import { untilGuestExists } from './guest-presence.ts';

export { deriveNodeResources, type NodeDeriveOptions } from './derive.ts';
export { guestAgentFromQemuApi } from './agent-adapter.ts';
export { shellResolver, type ShellResolver, type ShellResolverOptions } from './resolver.ts';
export { untilGuestExists } from './guest-presence.ts';
export { createNodeTransports, type NodeSshSettings } from './transports.ts';
export type { GuestAgent } from './guest-agent.ts';
export type { NodeSource } from './source.ts';
export type { TargetRef, TargetShell } from './shell.ts';
export { FILE_KIND, type ManagedFile } from './file.ts';
export { PACKAGES_KIND } from './packages.ts';
export { SERVICE_KIND } from './service.ts';
export { PROBE_KIND } from './probe.ts';
export { DNS_KIND } from './dns/handler.ts';
export { NFS_KIND } from './nfs/handler.ts';

/** Every node-provider handler, sharing one shell resolver (one SSH connection per node). */
export function nodeHandlers(shells: ShellResolver): AnyResourceHandler[] {
  return [
    untilGuestExists(fileHandler(shells), shells),
    untilGuestExists(packagesHandler(shells), shells),
    untilGuestExists(serviceHandler(shells), shells),
    probeHandler(shells),
    dnsHandler(shells),
    nfsHandler(shells),
  ];
}
