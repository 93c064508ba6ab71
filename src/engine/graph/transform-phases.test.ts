import { describe, expect, it } from 'vitest';
import type { ResourceChange } from '../plan/types.ts';
import { change, contextOf } from './_test-helpers.ts';
import { transformPhases } from './transform-phases.ts';
import { transformPlanNodes } from './transform-plan-nodes.ts';

function phased(address: string, dependsOn: string[], startAfter: string[]): ResourceChange {
  return { ...change(address, 'create', dependsOn), phases: ['create', 'configure', 'start', 'healthy'], startAfter };
}

describe('transformPhases', () => {
  it('gates only the start with startAfter; creation waits for what it consumes', () => {
    const ctx = contextOf([], {
      changes: [
        change('file', 'create'),
        change('template', 'create', ['file']),
        phased('db', ['file'], []),
        // app clones the template and starts after db
        phased('app', ['template', 'db'], ['db']),
        // something done inside app needs it running
        change('in-guest', 'create', ['app']),
        // an update of a guest that is not phased keeps its full ordering
        change('old', 'update', ['db']),
      ],
    });
    transformPlanNodes.apply(ctx);
    transformPhases.apply(ctx);
    const g = ctx.graph;
    expect(g.dependenciesOf('app').sort()).toEqual(['template']);
    expect(g.dependenciesOf('app#start').sort()).toEqual(['app', 'db#start']);
    expect(g.dependenciesOf('db#start')).toEqual(['db']);
    expect(g.dependenciesOf('in-guest')).toEqual(['app#start']);
    expect(g.dependenciesOf('old')).toEqual(['db#start']);
    expect(g.dependenciesOf('template')).toEqual(['file']);
  });

  it('leaves updates and unphased creates as one node', () => {
    const ctx = contextOf([], {
      changes: [
        change('a', 'create'),
        { ...change('b', 'update', ['a']), phases: ['create', 'start'], startAfter: ['a'] },
      ],
    });
    transformPlanNodes.apply(ctx);
    transformPhases.apply(ctx);
    expect(ctx.graph.nodes().sort()).toEqual(['a', 'b']);
    expect(ctx.graph.dependenciesOf('b')).toEqual(['a']);
  });
});
