import { describe, expect, it } from 'vitest';
import { contextOf, graphOf } from './_test-helpers.ts';
import { transformCycle } from './transform-cycle.ts';

describe('transformCycle', () => {
  it('names every resource on the cycle', () => {
    const ctx = contextOf([], {
      graph: graphOf([
        ['a', 'b'],
        ['b', 'c'],
        ['c', 'a'],
      ]),
    });
    transformCycle.apply(ctx);
    expect(ctx.diagnostics).toMatchObject([
      { code: 'E_DEPENDENCY_CYCLE', message: 'dependency cycle: a -> b -> c -> a' },
    ]);
  });

  it('is silent on a DAG', () => {
    const ctx = contextOf([], { graph: graphOf([['a', 'b']]) });
    transformCycle.apply(ctx);
    expect(ctx.diagnostics).toEqual([]);
  });
});
