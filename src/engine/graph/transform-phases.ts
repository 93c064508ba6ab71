/**
 * Apply graphs: a phased create (`ResourceChange.phases`) becomes two nodes, `<address>` (create
 * and configure) and `<address>#start` (start, then health where needed). Edges are rewired so
 * that a dependency listed in `startAfter` gates only the start: creation waits just for what the
 * resource consumes. Anything else that depends on a phased resource waits for its start (it
 * needs the resource up), and a phased resource's start waits for the start of what it starts
 * after — so a guest never starts before what it depends on.
 */
import type { ResourceChange } from '../plan/types.ts';
import type { GraphTransform } from './transform.ts';

const START = '#start';

/** The node of a phased resource's start step. */
export function startNodeOf(address: string): string {
  return `${address}${START}`;
}

/** The resource address of an apply-graph node, and which step of it the node is. */
export function nodeStep(node: string): { address: string; step: 'main' | 'start' } {
  return node.endsWith(START)
    ? { address: node.slice(0, -START.length), step: 'start' }
    : { address: node, step: 'main' };
}

/** True when the change is a create carried out in phases (it has a start step of its own). */
export function isPhased(change: ResourceChange | undefined): boolean {
  return (
    change !== undefined &&
    (change.action === 'create' || change.action === 'replace') &&
    (change.phases ?? []).includes('start')
  );
}

export const transformPhases: GraphTransform = {
  name: 'phases',
  apply(ctx) {
    const changes = ctx.changes;
    if (!changes) return;
    const graph = ctx.graph;
    const phased = new Set(
      [...changes.values()].filter((c) => graph.has(c.address) && isPhased(c)).map((c) => c.address),
    );
    if (phased.size === 0) return;
    const final = (a: string): string => (phased.has(a) ? startNodeOf(a) : a);
    const edges = graph.edges();
    for (const a of phased) {
      graph.add(startNodeOf(a));
      graph.addEdge(startNodeOf(a), a);
    }
    for (const [from, to] of edges) {
      const gatesStart = phased.has(from) && (changes.get(from)?.startAfter ?? []).includes(to);
      if (!gatesStart && !phased.has(to)) continue;
      graph.removeEdge(from, to);
      graph.addEdge(gatesStart ? startNodeOf(from) : from, final(to));
    }
  },
};
