import type { GraphTransform } from './transform.ts';

/** One node per desired resource, and an edge per explicit `dependsOn` (unknown ones are errors). */
export const transformConfig: GraphTransform = {
  name: 'config',
  apply(ctx) {
    for (const address of ctx.resources.keys()) ctx.graph.add(address);
    for (const resource of ctx.resources.values()) {
      for (const dep of resource.dependsOn) {
        if (!ctx.graph.has(dep)) {
          ctx.diagnostics.push({
            severity: 'error',
            code: 'E_UNKNOWN_DEPENDENCY',
            message: `${resource.address} depends on ${dep}, which is not declared`,
            address: resource.address,
            hint: 'declare the resource or remove it from dependsOn',
          });
          continue;
        }
        if (dep !== resource.address) ctx.graph.addEdge(resource.address, dep);
      }
    }
  },
};
