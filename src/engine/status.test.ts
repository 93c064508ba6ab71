/**
 * The status model from a plan: could-not-observe is `unknown` with the error (never missing),
 * a declared address held by something Phoenix does not own is a `conflict` (never in sync),
 * plus in sync / drifted / missing / orphaned.
 */
import { describe, expect, it } from 'vitest';
import { handlerRegistry, type ResourceHandler } from './handler.ts';
import { makePlan } from './plan/planner.ts';
import { statusOk, statusRows } from './status.ts';
import { fakeHandler, fakeResource } from './testing/fake-handler.ts';

describe('status rows', () => {
  it('in sync, drifted, missing, orphaned', async () => {
    const handler = fakeHandler();
    handler.objects.set('a', { attrs: { v: 1 } });
    handler.objects.set('b', { attrs: { v: 1 } });
    handler.objects.set('old', { attrs: {} });
    const planned = await makePlan({
      resources: [fakeResource('a', { v: 1 }), fakeResource('b', { v: 2 }), fakeResource('c', { v: 1 })],
      registry: handlerRegistry([handler]),
    });
    const rows = statusRows(planned);
    expect(rows.map((r) => [r.address, r.sync, r.drift])).toEqual([
      ['a', 'in sync', []],
      ['b', 'drifted', ['v']],
      ['c', 'missing', []],
      ['old', 'orphaned', []],
    ]);
    expect(rows.every((r) => r.conditions.length > 0 && r.health === 'unknown')).toBe(true);
    expect(statusOk(rows)).toBe(false);
  });

  it('could not observe: unknown with the error, never missing', async () => {
    const broken: ResourceHandler = {
      ...fakeHandler({ kind: 'pve' }),
      kind: 'pve',
      observeAll: async () => {
        throw new Error('TLS fingerprint mismatch');
      },
    };
    const planned = await makePlan({
      resources: [fakeResource('g', {}, { kind: 'pve' })],
      registry: handlerRegistry([broken]),
    });
    const [row] = statusRows(planned);
    expect(row).toMatchObject({ address: 'g', sync: 'unknown', health: 'unknown' });
    expect(row?.conditions[0]).toMatchObject({ type: 'Observed', status: 'False', reason: 'E_OBSERVE' });
    expect(row?.conditions[0]?.message).toContain('TLS fingerprint mismatch');
  });

  it('a declared address held by something not Phoenix’s: conflict with the reason, never in sync', async () => {
    const handler = fakeHandler();
    handler.objects.set('g', { attrs: { v: 9 } });
    const foreign: ResourceHandler = {
      ...handler,
      diff: () => ({
        action: 'noop',
        changes: [],
        requiresReplace: [],
        requiresRestart: false,
        reasons: [],
        diagnostics: [{ severity: 'error', code: 'E_TAKEN', message: 'vmid 1 exists but is not managed by Phoenix' }],
      }),
    };
    const planned = await makePlan({ resources: [fakeResource('g', { v: 1 })], registry: handlerRegistry([foreign]) });
    const [row] = statusRows(planned);
    expect(row?.sync).toBe('conflict');
    expect(row?.conditions[0]).toMatchObject({ type: 'Managed', status: 'False', reason: 'E_TAKEN' });
  });
});
