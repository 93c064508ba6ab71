import type { GraphTransform } from './transform.ts';

/** Reports a dependency cycle as an error naming every resource on it. */
export const transformCycle: GraphTransform = {
  name: 'cycle',
  apply(ctx) {
    const cycle = ctx.graph.findCycle();
    if (!cycle) return;
    ctx.diagnostics.push({
      severity: 'error',
      code: 'E_DEPENDENCY_CYCLE',
      message: `dependency cycle: ${cycle.join(' -> ')}`,
      address: cycle[0],
      hint: 'remove one of these dependsOn entries (or the reference that implies it)',
    });
  },
};
