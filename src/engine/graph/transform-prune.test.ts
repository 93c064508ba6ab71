import { describe, expect, it } from 'vitest';
import { change, contextOf } from './_test-helpers.ts';
import { transformPlanNodes } from './transform-plan-nodes.ts';
import { transformPrune } from './transform-prune.ts';

describe('transformPrune', () => {
  it('drops idle noops and keeps one that orders two changes', () => {
    const ctx = contextOf([], {
      changes: [
        change('a', 'create'),
        change('b', 'noop', ['a']),
        change('c', 'update', ['b']),
        change('lonely', 'noop'),
        change('base', 'noop'),
        change('top', 'create', ['base']),
      ],
    });
    transformPlanNodes.apply(ctx);
    transformPrune.apply(ctx);
    expect(ctx.graph.nodes().sort()).toEqual(['a', 'b', 'c', 'top']);
    expect(ctx.graph.dependenciesOf('c')).toEqual(['b']);
  });
});
