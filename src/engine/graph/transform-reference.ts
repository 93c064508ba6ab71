import type { GraphTransform } from './transform.ts';

/**
 * Implicit edges: the typed `references` of each resource (a guest's bridge and storage, an
 * ACL's user and role). A reference to something not declared is not an edge: it exists
 * outside Phoenix's management.
 */
export const transformReference: GraphTransform = {
  name: 'reference',
  apply(ctx) {
    for (const resource of ctx.resources.values()) {
      for (const ref of resource.references ?? []) {
        if (ref.address !== resource.address && ctx.graph.has(ref.address))
          ctx.graph.addEdge(resource.address, ref.address);
      }
    }
  },
};
