/**
 * One `/cluster/resources` read per plan, shared by every handler that needs it: the guest
 * handler's guest rows, and which nodes are online for the handlers that read per node (a node
 * that is down answers 595 after the client's retries, and its objects are unknown, not
 * missing). Keyed by the plan's handler context, so a new plan always reads afresh.
 */
import type { ClusterResource, ProxmoxClient } from '../clients/proxmox/index.ts';

const views = new WeakMap<object, Promise<ClusterResource[]>>();
const shared = new WeakMap<object, Map<string, Promise<unknown>>>();

/**
 * `read()` once per plan context and key (several handlers reading the same list, e.g. `/pools`);
 * without a context (a single observe, an apply step) it simply reads.
 */
export function perPlan<T>(ctx: object | undefined, key: string, read: () => Promise<T>): Promise<T> {
  if (!ctx) return read();
  let byKey = shared.get(ctx);
  if (!byKey) {
    byKey = new Map();
    shared.set(ctx, byKey);
  }
  let value = byKey.get(key) as Promise<T> | undefined;
  if (!value) {
    value = read();
    byKey.set(key, value);
    value.catch(() => byKey.delete(key));
  }
  return value;
}

export function clusterResources(client: ProxmoxClient, ctx: object): Promise<ClusterResource[]> {
  let view = views.get(ctx);
  if (!view) {
    view = client.cluster.resources();
    views.set(ctx, view);
    // A failed read is not kept: the next handler asks again (and reports its own error).
    view.catch(() => views.delete(ctx));
  }
  return view;
}

/** Nodes `/cluster/resources` lists as not online (offline or unknown). */
export async function offlineNodes(client: ProxmoxClient, ctx: object): Promise<Set<string>> {
  const rows = await clusterResources(client, ctx);
  return new Set(rows.filter((r) => r.type === 'node' && r.status !== 'online').map((r) => String(r.node)));
}

/** Every node of the cluster, by name. */
export async function clusterNodes(client: ProxmoxClient, ctx: object): Promise<string[]> {
  const rows = await clusterResources(client, ctx);
  return rows.filter((r) => r.type === 'node' && r.node).map((r) => String(r.node));
}

export const UNREACHABLE = 'E_NODE_UNREACHABLE';

export function unreachableDiagnostic(node: string, what: string) {
  return {
    severity: 'error' as const,
    code: UNREACHABLE,
    message: `node ${node} is unreachable: ${what} there is unknown (not missing; nothing is created in its place)`,
    hint: `bring node ${node} back, or let PVE's HA manager recover its guests (ha: in their config); Phoenix follows them to their new node`,
  };
}
