/**
 * The node-side resources a config implies, per node: dnsmasq (package, running service, the
 * record files) on the node that serves DNS, and the NFS exports file (plus nfs-kernel-server)
 * on each node that serves exports. Diagnostics from derivation are returned, never thrown.
 */
import type { Diagnostic } from '../../errors.ts';
import type { Resource } from '../../engine/handler.ts';
import { dnsResource, type DnsPaths } from './dns/handler.ts';
import { nfsResources } from './nfs/handler.ts';
import { PACKAGES_KIND, type ManagedPackages } from './packages.ts';
import { SERVICE_KIND, type ManagedService } from './service.ts';
import type { NodeSource } from './source.ts';

export interface NodeDeriveOptions {
  /** Node serving internal DNS (default: the first cluster node). */
  dnsNode?: string;
  dnsPaths?: DnsPaths;
}

function packages(node: string, name: string): Resource<ManagedPackages> {
  return {
    address: `node.${node}.packages.${name}`,
    kind: PACKAGES_KIND,
    node,
    dependsOn: [],
    desired: { target: { kind: 'node', node }, packages: [name] },
  };
}

function service(node: string, unit: string, pkg: string): Resource<ManagedService> {
  return {
    address: `node.${node}.service.${unit}`,
    kind: SERVICE_KIND,
    node,
    dependsOn: [`node.${node}.packages.${pkg}`],
    desired: { target: { kind: 'node', node }, unit, enabled: true, active: true },
  };
}

export function deriveNodeResources(
  source: NodeSource,
  options: NodeDeriveOptions = {},
): { resources: Resource[]; diagnostics: Diagnostic[] } {
  const resources: Resource[] = [];
  const diagnostics: Diagnostic[] = [];
  const dnsNode = options.dnsNode ?? source.cluster.nodes[0]?.name ?? source.guests[0]?.node;
  if (dnsNode !== undefined && (source.guests.length > 0 || source.dns.records.length > 0)) {
    const dns = dnsResource(source, dnsNode, options.dnsPaths);
    resources.push(packages(dnsNode, 'dnsmasq'), service(dnsNode, 'dnsmasq', 'dnsmasq'), dns.resource);
    diagnostics.push(...dns.diagnostics);
  }
  const nfs = nfsResources(source);
  for (const resource of nfs.resources) {
    const node = resource.node as string;
    resources.push(packages(node, 'nfs-kernel-server'), service(node, 'nfs-server', 'nfs-kernel-server'), resource);
  }
  diagnostics.push(...nfs.diagnostics);
  return { resources, diagnostics };
}
