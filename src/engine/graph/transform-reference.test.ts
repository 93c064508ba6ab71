import { describe, expect, it } from 'vitest';
import { handlerRegistry } from '../handler.ts';
import { fakeHandler, fakeResource } from '../testing/fake-handler.ts';
import { contextOf } from './_test-helpers.ts';
import { transformConfig } from './transform-config.ts';
import { transformReference } from './transform-reference.ts';

describe('transformReference', () => {
  it('adds the implicit edges handlers declare, ignoring things not managed here', () => {
    const handler = fakeHandler({ dependencies: (r) => [String(r.desired.template), 'storage.outside'] });
    const ctx = contextOf([fakeResource('tpl', { template: 'none' }), fakeResource('vm', { template: 'tpl' })], {
      registry: handlerRegistry([handler]),
    });
    transformConfig.apply(ctx);
    transformReference.apply(ctx);
    expect(ctx.graph.edges()).toEqual([['vm', 'tpl']]);
    expect(ctx.diagnostics).toEqual([]);
  });
});
