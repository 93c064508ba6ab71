/** The nodes to look at: the cluster's (for discovery of owned objects), or the requested ones. */
import type { ProxmoxClient } from '../../clients/proxmox/index.ts';

export async function nodeNames(client: ProxmoxClient, requested: string[]): Promise<string[]> {
  const nodes = new Set(requested);
  for (const n of await client.cluster.nodes()) nodes.add(n.node);
  return [...nodes].sort();
}
