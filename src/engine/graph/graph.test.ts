import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { handlerRegistry } from '../handler.ts';
import { fakeHandler, fakeResource } from '../testing/fake-handler.ts';
import { buildApplyGraph, buildConfigGraph } from './build.ts';
import { criticalPath } from './critical-path.ts';
import { CycleError } from './graph.ts';
import { change, graphOf } from './_test-helpers.ts';
import { toMermaid } from './mermaid.ts';

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

  it('orders every random DAG so that dependencies come first, and finds no cycle in it', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(15), fc.nat(15)), { maxLength: 40 }), (pairs) => {
        // Edges from higher to lower number only: acyclic by construction.
        const g = graphOf(
          pairs.filter(([a, b]) => a > b).map(([a, b]) => [`n${a}`, `n${b}`]),
          ['n0'],
        );
        const order = g.topologicalOrder();
        const index = new Map(order.map((n, i) => [n, i]));
        for (const [from, to] of g.edges()) expect(index.get(to)).toBeLessThan(index.get(from) as number);
        expect(g.findCycle()).toBeUndefined();
      }),
    );
  });

  it('finds a cycle whenever one edge closes a chain', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 12 }), (n) => {
        const chain: [string, string][] = Array.from({ length: n - 1 }, (_, i) => [`n${i + 1}`, `n${i}`]);
        const g = graphOf([...chain, ['n0', `n${n - 1}`]]);
        const cycle = g.findCycle() ?? [];
        expect(cycle.length).toBe(n + 1);
        expect(cycle[0]).toBe(cycle[cycle.length - 1]);
      }),
    );
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

describe('builders', () => {
  it('run the config transforms in order', () => {
    const handler = fakeHandler();
    const { graph, diagnostics } = buildConfigGraph({
      resources: [
        fakeResource('tpl', {}),
        {
          ...fakeResource('vm', { template: 'tpl' }, { dependsOn: ['ca'] }),
          references: [{ kind: 'fake', address: 'tpl' }],
        },
        fakeResource('ca', {}),
        fakeResource('x', {}),
      ],
      registry: handlerRegistry([handler]),
      targets: ['vm'],
    });
    expect(graph.dependenciesOf('vm').sort()).toEqual(['ca', 'tpl']);
    expect(graph.has('x')).toBe(false);
    expect(diagnostics).toEqual([]);
  });

  it('report duplicate addresses', () => {
    const { diagnostics } = buildConfigGraph({ resources: [fakeResource('a', {}), fakeResource('a', {})] });
    expect(diagnostics.map((d) => d.code)).toEqual(['E_DUPLICATE_ADDRESS']);
  });

  it('build the apply graph with destroy edges reversed and idle noops pruned', () => {
    const { graph } = buildApplyGraph({
      changes: [change('tpl', 'delete'), change('clone', 'delete', ['tpl']), change('n', 'noop')],
    });
    expect(graph.edges()).toEqual([['tpl', 'clone']]);
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

  it('counts only the time a lock is held when that is shorter', () => {
    const cp = criticalPath(
      g,
      (a) => durations[a] ?? 0,
      (a) => (['gw', 'tr', 'side'].includes(a) ? ['clone:9000'] : []),
      () => 1,
    );
    expect(cp).toMatchObject({ length: 9, boundBy: 'dag' });
  });
});

describe('toMermaid', () => {
  it('draws dependencies in apply order', () => {
    const text = toMermaid(graphOf([['gw', 'ca']]), (a) => `${a} "x"`);
    expect(text).toBe('flowchart LR\n  n0["ca #quot;x#quot;"]\n  n1["gw #quot;x#quot;"]\n  n0 --> n1\n');
  });
});
