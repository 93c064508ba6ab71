import type { GraphTransform } from './transform.ts';

/**
 * Apply graphs: drop `noop` and `read` nodes that neither wait for nor hold up any change.
 * Nodes between two changes stay, so ordering through an unchanged resource is kept.
 */
export const transformPrune: GraphTransform = {
  name: 'prune',
  apply(ctx) {
    const changes = ctx.changes;
    if (!changes) return;
    const mutating = (address: string): boolean => {
      const action = changes.get(address)?.action;
      return action !== undefined && action !== 'noop' && action !== 'read';
    };
    const graph = ctx.graph;
    const reachesChange = (start: string, next: (a: string) => string[]): boolean => {
      const seen = new Set<string>();
      const stack = next(start);
      while (stack.length > 0) {
        const node = stack.pop() as string;
        if (seen.has(node)) continue;
        seen.add(node);
        if (mutating(node)) return true;
        stack.push(...next(node));
      }
      return false;
    };
    for (const node of graph.nodes()) {
      if (mutating(node)) continue;
      const before = reachesChange(node, (a) => graph.dependenciesOf(a));
      const after = reachesChange(node, (a) => graph.dependentsOf(a));
      if (!(before && after)) graph.remove(node);
    }
  },
};
