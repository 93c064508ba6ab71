/**
 * Critical path of a DAG whose nodes take time, and a lower bound on any schedule's wall time
 * under lock rules (nodes sharing a lock key never overlap). The executor uses `remainingPath`
 * for priorities; the converge benchmark divides measured wall time by `criticalPath().length`.
 */
import type { DependencyGraph } from './graph.ts';

export interface CriticalPath {
  /** Lower bound on the wall time of any schedule, in the unit of `durationOf`. */
  length: number;
  /** The longest dependency chain (dependencies first). */
  path: string[];
  /** Length of that chain alone, ignoring locks. */
  dagLength: number;
  /** When a lock key's serialisation dominates: that key. */
  boundBy: 'dag' | `lock:${string}`;
}

/**
 * For each node, the longest path from it to the end of the graph, itself included
 * (what still has to run after it starts). Higher = start first.
 */
export function remainingPath(graph: DependencyGraph, durationOf: (address: string) => number): Map<string, number> {
  const order = graph.topologicalOrder();
  const tail = new Map<string, number>();
  for (let i = order.length - 1; i >= 0; i -= 1) {
    const node = order[i] as string;
    let best = 0;
    for (const dependent of graph.dependentsOf(node)) best = Math.max(best, tail.get(dependent) ?? 0);
    tail.set(node, best + durationOf(node));
  }
  return tail;
}

/** Longest path to each node, itself excluded (earliest possible start). */
function earliestStart(graph: DependencyGraph, durationOf: (address: string) => number): Map<string, number> {
  const head = new Map<string, number>();
  for (const node of graph.topologicalOrder()) {
    let best = 0;
    for (const dep of graph.dependenciesOf(node)) best = Math.max(best, (head.get(dep) ?? 0) + durationOf(dep));
    head.set(node, best);
  }
  return head;
}

/**
 * The longest chain, and a lower bound that also counts lock keys: nodes sharing a key run one
 * after another, so the schedule takes at least min(earliest start) + sum(durations) +
 * min(time still needed after one of them) over each key's group.
 */
export function criticalPath(
  graph: DependencyGraph,
  durationOf: (address: string) => number,
  lockKeys: (address: string) => readonly string[] = () => [],
  /**
   * How long a node holds its lock keys, when shorter than its duration (the executor releases
   * keys after the mutating calls, before the health wait). Defaults to the whole duration.
   */
  lockDurationOf: (address: string) => number = durationOf,
): CriticalPath {
  if (graph.size === 0) return { length: 0, path: [], dagLength: 0, boundBy: 'dag' };
  const tail = remainingPath(graph, durationOf);
  const head = earliestStart(graph, durationOf);
  // Walk the chain: start at the node with the largest head+tail, follow the heaviest dependent.
  let start = '';
  let dagLength = -1;
  for (const node of graph.nodes().sort()) {
    const total = (head.get(node) ?? 0) + (tail.get(node) ?? 0);
    if ((head.get(node) ?? 0) === 0 && total > dagLength) {
      dagLength = total;
      start = node;
    }
  }
  const path = [start];
  for (let current = start; ;) {
    const next = graph
      .dependentsOf(current)
      .sort()
      .reduce<string | undefined>(
        (best, n) => (best === undefined || (tail.get(n) ?? 0) > (tail.get(best) ?? 0) ? n : best),
        undefined,
      );
    if (next === undefined) break;
    path.push(next);
    current = next;
  }
  const groups = new Map<string, string[]>();
  for (const node of graph.nodes()) {
    for (const key of lockKeys(node)) groups.set(key, [...(groups.get(key) ?? []), node]);
  }
  let length = dagLength;
  let boundBy: CriticalPath['boundBy'] = 'dag';
  for (const [key, members] of groups) {
    let minHead = Infinity;
    let minAfter = Infinity;
    let sum = 0;
    for (const node of members) {
      const held = Math.min(lockDurationOf(node), durationOf(node));
      sum += held;
      minHead = Math.min(minHead, head.get(node) ?? 0);
      // After releasing the key, the rest of the node and everything after it still runs.
      minAfter = Math.min(minAfter, (tail.get(node) ?? held) - held);
    }
    const bound = minHead + sum + minAfter;
    if (bound > length) {
      length = bound;
      boundBy = `lock:${key}`;
    }
  }
  return { length, path, dagLength, boundBy };
}
