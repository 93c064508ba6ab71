import type { GraphTransform } from './transform.ts';

/**
 * Deletes run in reverse dependency order: when `a` depends on `b` and `b` is deleted, `b`
 * waits for `a` (a's own delete, or the update that stops a using b). A delete itself waits
 * for nothing it used to depend on.
 */
export const transformDestroyEdge: GraphTransform = {
  name: 'destroy-edge',
  apply(ctx) {
    const changes = ctx.changes;
    if (!changes) return;
    const isDelete = (address: string): boolean => changes.get(address)?.action === 'delete';
    const flipped: [string, string][] = [];
    for (const [from, to] of ctx.graph.edges()) {
      if (isDelete(to) || isDelete(from)) {
        ctx.graph.removeEdge(from, to);
        if (isDelete(to)) flipped.push([to, from]);
      }
    }
    for (const [from, to] of flipped) ctx.graph.addEdge(from, to);
  },
};
