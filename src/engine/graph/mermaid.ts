import type { DependencyGraph } from './graph.ts';

/**
 * Mermaid flowchart of a graph (for `phoenix graph`). Arrows point from a dependency to what
 * depends on it, i.e. in apply order. `label` may add e.g. the planned action.
 */
export function toMermaid(graph: DependencyGraph, label: (address: string) => string = (a) => a): string {
  const ids = new Map<string, string>();
  graph
    .nodes()
    .sort()
    .forEach((node, i) => ids.set(node, `n${i}`));
  const quote = (text: string): string => `"${text.replace(/"/g, '#quot;')}"`;
  const lines = ['flowchart LR'];
  for (const [node, id] of ids) lines.push(`  ${id}[${quote(label(node))}]`);
  const edges = graph.edges().sort(([a1, b1], [a2, b2]) => b1.localeCompare(b2) || a1.localeCompare(a2));
  for (const [from, to] of edges) lines.push(`  ${ids.get(to)} --> ${ids.get(from)}`);
  return `${lines.join('\n')}\n`;
}
