import { describe, expect, it } from 'vitest';
import { contextOf, graphOf } from './_test-helpers.ts';
import { transformTargets } from './transform-targets.ts';

describe('transformTargets', () => {
  const edges: [string, string][] = [
    ['gw', 'ca'],
    ['app', 'gw'],
  ];

  it('keeps targets and everything they depend on', () => {
    const ctx = contextOf([], { graph: graphOf(edges, ['other']), targets: ['gw'] });
    transformTargets.apply(ctx);
    expect(ctx.graph.nodes().sort()).toEqual(['ca', 'gw']);
  });

  it('keeps everything without targets and reports unknown ones', () => {
    const all = contextOf([], { graph: graphOf(edges, ['other']) });
    transformTargets.apply(all);
    expect(all.graph.size).toBe(4);
    const typo = contextOf([], { graph: graphOf(edges), targets: ['gw', 'gateway'] });
    transformTargets.apply(typo);
    expect(typo.diagnostics).toMatchObject([{ code: 'E_UNKNOWN_TARGET', address: 'gateway' }]);
  });
});
