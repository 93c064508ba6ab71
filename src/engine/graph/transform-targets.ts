import type { GraphTransform } from './transform.ts';

/**
 * `--target`: keep the targeted resources and everything they depend on, drop the rest.
 * An unknown target is an error (a typo must not silently plan nothing).
 */
export const transformTargets: GraphTransform = {
  name: 'targets',
  apply(ctx) {
    if (ctx.targets.length === 0) return;
    const keep = new Set<string>();
    for (const target of ctx.targets) {
      if (!ctx.graph.has(target)) {
        ctx.diagnostics.push({
          severity: 'error',
          code: 'E_UNKNOWN_TARGET',
          message: `target ${target} is not a known resource`,
          address: target,
          hint: 'use an address from `phoenix plan`, e.g. guest.101',
        });
        continue;
      }
      keep.add(target);
      for (const dep of ctx.graph.ancestors(target)) keep.add(dep);
    }
    for (const node of ctx.graph.nodes()) if (!keep.has(node)) ctx.graph.remove(node);
  },
};
