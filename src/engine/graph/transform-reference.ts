import type { GraphTransform } from './transform.ts';

/**
 * Implicit edges the handlers declare (clone source, template, storage, bridge). A reference
 * to something not declared is not an edge: it exists outside Phoenix's management.
 */
export const transformReference: GraphTransform = {
  name: 'reference',
  apply(ctx) {
    if (!ctx.registry) return;
    for (const resource of ctx.resources.values()) {
      const handler = ctx.registry.get(resource.kind);
      if (!handler?.dependencies) continue;
      for (const dep of handler.dependencies({ resource, all: ctx.resources })) {
        if (dep !== resource.address && ctx.graph.has(dep)) ctx.graph.addEdge(resource.address, dep);
      }
    }
  },
};
