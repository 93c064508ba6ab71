import type { GraphTransform } from './transform.ts';

/** Apply graphs: one node per planned change, edges from each change's `dependsOn`. */
export const transformPlanNodes: GraphTransform = {
  name: 'plan-nodes',
  apply(ctx) {
    const changes = ctx.changes ?? new Map();
    for (const address of changes.keys()) ctx.graph.add(address);
    for (const change of changes.values()) {
      for (const dep of change.dependsOn) {
        if (dep !== change.address && ctx.graph.has(dep)) ctx.graph.addEdge(change.address, dep);
      }
    }
  },
};
