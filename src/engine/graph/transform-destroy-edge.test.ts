import { describe, expect, it } from 'vitest';
import { change, contextOf } from './_test-helpers.ts';
import { transformDestroyEdge } from './transform-destroy-edge.ts';
import { transformPlanNodes } from './transform-plan-nodes.ts';

describe('transformDestroyEdge', () => {
  it('makes a delete wait for what depended on it, and nothing else', () => {
    const ctx = contextOf([], {
      changes: [
        change('tpl', 'delete'),
        change('clone', 'delete', ['tpl']),
        change('user', 'update', ['tpl']),
        change('ca', 'noop'),
        change('gw', 'create', ['ca']),
      ],
    });
    transformPlanNodes.apply(ctx);
    transformDestroyEdge.apply(ctx);
    expect(ctx.graph.dependenciesOf('tpl').sort()).toEqual(['clone', 'user']);
    expect(ctx.graph.dependenciesOf('clone')).toEqual([]);
    expect(ctx.graph.dependenciesOf('gw')).toEqual(['ca']);
  });
});
