/** The nodes to look at: the cluster's (for discovery of owned objects), or the requested ones. */
import type { ProxmoxClient } from '../../clients/proxmox/index.ts';
import { clusterNodes, offlineNodes } from '../cluster-view.ts';

/**
 * The nodes to read per node, split by reachability (from the plan's shared cluster read, so no
 * extra request): objects declared on an offline node are unknown, never missing.
 */
export async function reachableNodes(
  client: ProxmoxClient,
  ctx: object,
  requested: string[],
): Promise<{ online: string[]; offline: Set<string> }> {
  const offline = await offlineNodes(client, ctx);
  const nodes = new Set(requested);
  for (const n of await clusterNodes(client, ctx)) nodes.add(n);
  return { online: [...nodes].filter((n) => !offline.has(n)).sort(), offline };
}
