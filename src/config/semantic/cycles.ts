/**
 * Dependency cycles among guests (explicit dependsOn plus the implicit edge to a clone source
 * guest) and among stacks. Each cycle is reported once, at the edge that closes it, with the
 * whole loop printed: "101 (a) → 102 (b) → 101 (a)".
 */
import type { PathSegment } from '../source-map.ts';
import { findGuest, guestLabel, type CheckContext } from './context.ts';

interface Edge {
  to: number;
  path: PathSegment[];
}

/** Finds cycles in a graph of `count` vertices; reports each distinct one once. */
function findCycles(count: number, edges: Edge[][], onCycle: (cycle: number[], closing: Edge) => void): void {
  const state = new Uint8Array(count); // 0 new, 1 on stack, 2 done
  const stack: number[] = [];
  const seen = new Set<string>();
  const visit = (v: number): void => {
    state[v] = 1;
    stack.push(v);
    for (const edge of edges[v] ?? []) {
      if (state[edge.to] === 1) {
        const cycle = stack.slice(stack.indexOf(edge.to));
        const key = [...cycle].sort((a, b) => a - b).join(',');
        if (!seen.has(key)) {
          seen.add(key);
          onCycle(cycle, edge);
        }
      } else if (state[edge.to] === 0) {
        visit(edge.to);
      }
    }
    stack.pop();
    state[v] = 2;
  };
  for (let v = 0; v < count; v++) if (state[v] === 0) visit(v);
}

export function checkCycles(ctx: CheckContext): void {
  const guests = ctx.config.guests;
  const edges: Edge[][] = guests.map((guest, gi) => {
    const out: Edge[] = [];
    guest.dependsOn.forEach((ref, di) => {
      const target = findGuest(ctx, ref);
      if (target && target.index !== gi) out.push({ to: target.index, path: ['guests', gi, 'dependsOn', di] });
    });
    if (guest.clone) {
      const source = findGuest(ctx, guest.clone.from);
      if (source && source.index !== gi) out.push({ to: source.index, path: ['guests', gi, 'clone', 'from'] });
    }
    return out;
  });
  findCycles(guests.length, edges, (cycle, closing) => {
    const names = [...cycle, cycle[0] as number].map((i) => guestLabel(guests[i] as (typeof guests)[number]));
    ctx.report(
      closing.path,
      'E_DEPENDENCY_CYCLE',
      `dependency cycle: ${names.join(' → ')}`,
      'remove one dependsOn entry (or clone source) of the loop',
    );
  });

  const stacks = ctx.config.stacks;
  const index = new Map(stacks.map((s, i) => [s.name, i]));
  const stackEdges: Edge[][] = stacks.map((stack, si) =>
    stack.dependsOn.flatMap((dep, di) => {
      const to = index.get(dep);
      return to === undefined ? [] : [{ to, path: ['stacks', si, 'dependsOn', di] }];
    }),
  );
  findCycles(stacks.length, stackEdges, (cycle, closing) => {
    const names = [...cycle, cycle[0] as number].map((i) => stacks[i]?.name ?? '?');
    ctx.report(
      closing.path,
      'E_DEPENDENCY_CYCLE',
      `stack dependency cycle: ${names.join(' → ')}`,
      'remove one dependsOn entry of the loop',
    );
  });
}
