import { describe, expect, it } from 'vitest';
import { fakeResource } from '../testing/fake-handler.ts';
import { contextOf } from './_test-helpers.ts';
import { transformConfig } from './transform-config.ts';
import { transformReference } from './transform-reference.ts';

describe('transformReference', () => {
  it('adds an edge per typed reference, ignoring things not managed here', () => {
    const vm = fakeResource('vm', { template: 'tpl' });
    vm.references = [
      { kind: 'fake', address: 'tpl' },
      { kind: 'pve.storage', address: 'storage.outside' },
    ];
    const ctx = contextOf([fakeResource('tpl', { template: 'none' }), vm]);
    transformConfig.apply(ctx);
    transformReference.apply(ctx);
    expect(ctx.graph.edges()).toEqual([['vm', 'tpl']]);
    expect(ctx.diagnostics).toEqual([]);
  });
});
