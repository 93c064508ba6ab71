import { describe, expect, it } from 'vitest';
import { fakeResource } from '../testing/fake-handler.ts';
import { contextOf } from './_test-helpers.ts';
import { transformConfig } from './transform-config.ts';

describe('transformConfig', () => {
  it('adds a node per resource and an edge per explicit dependency', () => {
    const ctx = contextOf([fakeResource('ca', {}), fakeResource('gw', {}, { dependsOn: ['ca', 'gw'] })]);
    transformConfig.apply(ctx);
    expect(ctx.graph.edges()).toEqual([['gw', 'ca']]);
  });

  it('reports a dependency on something undeclared', () => {
    const ctx = contextOf([fakeResource('gw', {}, { dependsOn: ['ghost'] })]);
    transformConfig.apply(ctx);
    expect(ctx.diagnostics).toMatchObject([{ code: 'E_UNKNOWN_DEPENDENCY', address: 'gw' }]);
  });
});
