import { describe, expect, it } from 'vitest';
import { handlerRegistry } from '../handler.ts';
import type { ResourceChange } from '../plan/types.ts';
import { fakeHandler, fakeResource } from '../testing/fake-handler.ts';
import { buildApplyGraph, buildConfigGraph } from './build.ts';
import { criticalPath } from './critical-path.ts';
import { CycleError, DependencyGraph } from './graph.ts';
import { toMermaid } from './mermaid.ts';

function graphOf(edges: [string, string][], nodes: string[] = []): DependencyGraph {
  const g = new DependencyGraph();
  for (const n of nodes) g.add(n);
  for (const [a, b] of edges) {
    g.add(a);
    g.add(b);
    g.addEdge(a, b);
  }
  return g;
}

function change(address: string, action: ResourceChange['action'], dependsOn: string[] = []): ResourceChange {
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

describe('DependencyGraph', () => {
  it('orders dependencies first, deterministically', () => {
    const g = graphOf([
      ['web', 'db'],
      ['db', 'net'],
      ['cache', 'net'],
    ]);
    expect(g.topologicalOrder()).toEqual(['net', 'cache', 'db', 'web']);
  });

  it('finds and names a cycle', () => {
    const g = graphOf([
      ['a', 'b'],
      ['b', 'c'],
      ['c', 'a'],
    ]);
    expect(g.findCycle()).toEqual(['a', 'b', 'c', 'a']);
    expect(() => g.topologicalOrder()).toThrow(CycleError);
  });

  it('removes a node with its edges', () => {
    const g = graphOf([
      ['a', 'b'],
      ['b', 'c'],
    ]);
    g.remove('b');
    expect(g.edges()).toEqual([]);
    expect(g.nodes().sort()).toEqual(['a', 'c']);
  });
});

describe('buildConfigGraph', () => {
  it('adds explicit and implicit edges and reports unknown dependencies', () => {
    const handler = fakeHandler({ dependencies: (r) => (r.desired.template ? [String(r.desired.template)] : []) });
    const { graph, diagnostics } = buildConfigGraph({
      resources: [
        fakeResource('tpl', {}),
        fakeResource('vm', { template: 'tpl' }, { dependsOn: ['ca', 'ghost'] }),
        fakeResource('ca', {}),
      ],
      registry: handlerRegistry([handler]),
    });
    expect(graph.dependenciesOf('vm').sort()).toEqual(['ca', 'tpl']);
    expect(diagnostics.map((d) => d.code)).toEqual(['E_UNKNOWN_DEPENDENCY']);
  });

  it('reports a cycle with every resource on it', () => {
    const { diagnostics } = buildConfigGraph({
      resources: [fakeResource('a', {}, { dependsOn: ['b'] }), fakeResource('b', {}, { dependsOn: ['a'] })],
    });
    expect(diagnostics[0]?.message).toBe('dependency cycle: a -> b -> a');
  });

  it('keeps targets and their dependencies only', () => {
    const { graph, diagnostics } = buildConfigGraph({
      resources: [
        fakeResource('ca', {}),
        fakeResource('gw', {}, { dependsOn: ['ca'] }),
        fakeResource('other', {}),
        fakeResource('leaf', {}, { dependsOn: ['gw'] }),
      ],
      targets: ['gw', 'nope'],
    });
    expect(graph.nodes().sort()).toEqual(['ca', 'gw']);
    expect(diagnostics.map((d) => d.code)).toEqual(['E_UNKNOWN_TARGET']);
  });

  it('reports duplicate addresses', () => {
    const { diagnostics } = buildConfigGraph({ resources: [fakeResource('a', {}), fakeResource('a', {})] });
    expect(diagnostics.map((d) => d.code)).toEqual(['E_DUPLICATE_ADDRESS']);
  });
});

describe('buildApplyGraph', () => {
  it('reverses edges for deletes', () => {
    const { graph } = buildApplyGraph({
      changes: [change('tpl', 'delete'), change('clone', 'delete', ['tpl']), change('x', 'create')],
    });
    expect(graph.dependenciesOf('tpl')).toEqual(['clone']);
    expect(graph.dependenciesOf('clone')).toEqual([]);
  });

  it('prunes idle noops but keeps a noop between two changes', () => {
    const { graph } = buildApplyGraph({
      changes: [
        change('a', 'create'),
        change('b', 'noop', ['a']),
        change('c', 'update', ['b']),
        change('lonely', 'noop'),
        change('base', 'noop'),
        change('top', 'create', ['base']),
      ],
    });
    expect(graph.nodes().sort()).toEqual(['a', 'b', 'c', 'top']);
  });
});

describe('criticalPath', () => {
  const durations: Record<string, number> = { ca: 3, gw: 2, tr: 5, app: 1, side: 4 };
  const g = graphOf([
    ['gw', 'ca'],
    ['tr', 'ca'],
    ['app', 'tr'],
  ]);
  g.add('side');

  it('is the longest dependency chain without locks', () => {
    const cp = criticalPath(g, (a) => durations[a] ?? 0);
    expect(cp).toEqual({ length: 9, path: ['ca', 'tr', 'app'], dagLength: 9, boundBy: 'dag' });
  });

  it('accounts for resources serialised by a lock key', () => {
    const cp = criticalPath(
      g,
      (a) => durations[a] ?? 0,
      (a) => (['gw', 'tr', 'side'].includes(a) ? ['clone:9000'] : []),
    );
    // side can start at 0, but gw and tr wait for ca (3): min head 0 + 2+5+4 + min tail after 0.
    expect(cp.length).toBe(11);
    expect(cp.boundBy).toBe('lock:clone:9000');
  });
});

describe('toMermaid', () => {
  it('draws dependencies in apply order', () => {
    const text = toMermaid(graphOf([['gw', 'ca']]), (a) => `${a} "x"`);
    expect(text).toBe('flowchart LR\n  n0["ca #quot;x#quot;"]\n  n1["gw #quot;x#quot;"]\n  n0 --> n1\n');
  });
});
