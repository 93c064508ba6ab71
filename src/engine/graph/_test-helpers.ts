/** Helpers shared by the transform tests (not used by production code). */
import type { HandlerRegistry, Resource } from '../handler.ts';
import type { ResourceChange } from '../plan/types.ts';
import { DependencyGraph } from './graph.ts';
import type { GraphBuildContext } from './transform.ts';

export function contextOf(
  resources: Resource[],
  extra: { registry?: HandlerRegistry; targets?: string[]; changes?: ResourceChange[]; graph?: DependencyGraph } = {},
): GraphBuildContext {
  return {
    graph: extra.graph ?? new DependencyGraph(),
    resources: new Map(resources.map((r) => [r.address, r])),
    changes: extra.changes ? new Map(extra.changes.map((c) => [c.address, c])) : undefined,
    registry: extra.registry,
    targets: extra.targets ?? [],
    diagnostics: [],
  };
}

export function graphOf(edges: [string, string][], nodes: string[] = []): DependencyGraph {
  const g = new DependencyGraph();
  for (const n of nodes) g.add(n);
  for (const [a, b] of edges) {
    g.add(a);
    g.add(b);
    g.addEdge(a, b);
  }
  return g;
}

export function change(address: string, action: ResourceChange['action'], dependsOn: string[] = []): ResourceChange {
  return {
    address,
    kind: 'fake',
    action,
    before: null,
    after: null,
    attributes: [],
    reasons: [],
    dependsOn,
    observedDigest: '',
    desiredDigest: '',
  };
}
