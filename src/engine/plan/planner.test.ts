import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handlerRegistry } from '../handler.ts';
import { fakeHandler, fakeResource, type FakeObject } from '../testing/fake-handler.ts';
import { loadPlan, savePlan } from './plan-file.ts';
import { makePlan } from './planner.ts';
import { prepareSavedPlan } from './saved-plan.ts';
import { findStaleEntries } from './stale.ts';
import { planHasChanges, summarizePlan } from './types.ts';

function setup(objects: [string, FakeObject][] = []) {
  const handler = fakeHandler({
    objects: new Map(objects),
    replaceKeys: ['ostemplate'],
    restartKeys: ['cores'],
    sensitiveKeys: ['password'],
  });
  return { handler, registry: handlerRegistry([handler]) };
}

const fixedNow = () => new Date('2026-01-01T00:00:00Z');

describe('makePlan', () => {
  it('decides create, noop, update, update-restart and replace per resource', async () => {
    const { registry } = setup([
      ['same', { attrs: { memory: 512 } }],
      ['mem', { attrs: { memory: 512 } }],
      ['cpu', { attrs: { cores: 1 } }],
      ['os', { attrs: { ostemplate: 'debian-11' } }],
    ]);
    const { plan } = await makePlan({
      registry,
      now: fixedNow,
      resources: [
        fakeResource('new', { memory: 256 }),
        fakeResource('same', { memory: 512 }),
        fakeResource('mem', { memory: 1024 }),
        fakeResource('cpu', { cores: 2 }),
        fakeResource('os', { ostemplate: 'debian-12' }),
      ],
    });
    const actions = Object.fromEntries(plan.changes.map((c) => [c.address, c.action]));
    expect(actions).toEqual({ new: 'create', same: 'noop', mem: 'update', cpu: 'update-restart', os: 'replace' });
    expect(plan.changes.find((c) => c.address === 'os')?.attributes[0]?.forcesReplacement).toBe(true);
    expect(plan.drift.map((d) => d.address).sort()).toEqual(['cpu', 'mem', 'os']);
    expect(summarizePlan(plan)).toEqual({ add: 2, change: 2, destroy: 1 });
    expect(plan.applyable).toBe(true);
    expect(plan.complete).toBe(true);
  });

  it('says no changes when everything matches, with one batch observation', async () => {
    const { handler, registry } = setup([['a', { attrs: { x: 1 } }]]);
    const { plan } = await makePlan({ registry, resources: [fakeResource('a', { x: 1 })] });
    expect(planHasChanges(plan)).toBe(false);
    expect(handler.observeCalls).toBe(1);
  });

  it('redacts sensitive attributes', async () => {
    const { registry } = setup([['a', { attrs: { password: 'old-secret' } }]]);
    const { plan } = await makePlan({ registry, resources: [fakeResource('a', { password: 'new-secret' })] });
    expect(plan.changes[0]?.attributes).toEqual([{ path: 'password', before: null, after: null, sensitive: true }]);
    expect(JSON.stringify(plan)).not.toContain('secret');
  });

  it('deletes managed resources that left the config only with prune', async () => {
    const objects: [string, FakeObject][] = [
      ['keep', { attrs: {} }],
      ['tpl', { attrs: {} }],
      ['clone', { attrs: {}, dependsOn: ['tpl'] }],
    ];
    const without = await makePlan({ ...setup(objects), resources: [fakeResource('keep', {})] });
    expect(without.plan.changes.map((c) => c.action)).toEqual(['noop']);
    expect(without.plan.diagnostics.map((d) => d.code)).toEqual(['W_NOT_IN_CONFIG', 'W_NOT_IN_CONFIG']);
    const withPrune = await makePlan({ ...setup(objects), resources: [fakeResource('keep', {})], prune: true });
    expect(withPrune.plan.changes.map((c) => `${c.address}:${c.action}`)).toEqual([
      'keep:noop',
      'clone:delete',
      'tpl:delete',
    ]);
  });

  it('never deletes or replaces a protected resource', async () => {
    const { registry } = setup([
      ['guarded', { attrs: {}, protected: true }],
      ['os', { attrs: { ostemplate: 'a' } }],
    ]);
    const { plan } = await makePlan({
      registry,
      prune: true,
      resources: [fakeResource('os', { ostemplate: 'b' }, { protected: true })],
    });
    expect(plan.diagnostics.map((d) => d.code).sort()).toEqual(['E_PROTECTED_DELETE', 'E_PROTECTED_REPLACE']);
    expect(plan.changes.some((c) => c.action === 'delete')).toBe(false);
    expect(plan.applyable).toBe(false);
    expect(plan.errored).toBe(true);
  });

  it('limits the plan to targets and their dependencies', async () => {
    const { registry } = setup();
    const { plan } = await makePlan({
      registry,
      targets: ['gw'],
      resources: [fakeResource('ca', {}), fakeResource('gw', {}, { dependsOn: ['ca'] }), fakeResource('other', {})],
    });
    expect(plan.changes.map((c) => c.address)).toEqual(['ca', 'gw']);
    expect(plan.complete).toBe(false);
    expect(plan.changes[1]?.dependsOn).toEqual(['ca']);
  });

  it('reports an observe failure as a plan error', async () => {
    const { handler, registry } = setup();
    handler.observeAll = async () => {
      throw new Error('connection refused');
    };
    const { plan } = await makePlan({ registry, resources: [fakeResource('a', {})] });
    expect(plan.errored).toBe(true);
    expect(plan.changes).toEqual([]);
    expect(plan.diagnostics[0]?.message).toContain('connection refused');
  });
});

describe('plan file and stale plans', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'phoenix-plan-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips a plan', async () => {
    const { registry } = setup([['a', { attrs: { x: 1 } }]]);
    const { plan } = await makePlan({ registry, now: fixedNow, resources: [fakeResource('a', { x: 2 })] });
    await savePlan(plan, join(dir, 'p.json'));
    expect(await loadPlan(join(dir, 'p.json'))).toEqual(plan);
  });

  it('round-trips a plan whose attributes are absent on one side (a create, an added key)', async () => {
    const { registry } = setup([['a', { attrs: { x: 1 } }]]);
    const resources = [fakeResource('a', { x: 1, comment: 'new' }), fakeResource('b', { y: 1 })];
    const { plan } = await makePlan({ registry, now: fixedNow, resources });
    const added = plan.changes.find((c) => c.address === 'a')?.attributes.find((a) => a.path === 'comment');
    expect(added).toMatchObject({ before: undefined, after: 'new' });
    await savePlan(plan, join(dir, 'p.json'));
    const loaded = await loadPlan(join(dir, 'p.json'));
    expect(loaded.changes.map((c) => [c.address, c.action])).toEqual(plan.changes.map((c) => [c.address, c.action]));
  });

  it('rejects a file that is not a plan with a clear error', async () => {
    await writeFile(join(dir, 'bad.json'), '{"formatVersion":"1.0","changes":7}');
    await expect(loadPlan(join(dir, 'bad.json'))).rejects.toThrow(/not a valid plan file/);
    await expect(loadPlan(join(dir, 'missing.json'))).rejects.toMatchObject({ code: 'E_PLAN_FILE' });
  });

  it('accepts an unchanged saved plan and refuses a stale one, listing what changed', async () => {
    const { handler, registry } = setup([
      ['a', { attrs: { x: 1 } }],
      ['b', { attrs: { y: 1 } }],
    ]);
    const resources = [fakeResource('a', { x: 2 }), fakeResource('b', { y: 1 })];
    const { plan } = await makePlan({ registry, resources });
    await expect(prepareSavedPlan(plan, { registry, resources })).resolves.toMatchObject({ plan });
    handler.objects.set('b', { attrs: { y: 5 } });
    await expect(prepareSavedPlan(plan, { registry, resources })).rejects.toMatchObject({
      code: 'E_STALE_PLAN',
      detail: 'b: changed in the system',
    });
    handler.objects.set('b', { attrs: { y: 1 } });
    const edited = [fakeResource('a', { x: 3 }), fakeResource('b', { y: 1 })];
    await expect(prepareSavedPlan(plan, { registry, resources: edited })).rejects.toMatchObject({
      detail: 'a: configuration changed',
    });
  });

  it('says what happened to a resource of a stale plan: deleted, created, or left the config', async () => {
    const { handler, registry } = setup([['a', { attrs: { x: 1 } }]]);
    const resources = [fakeResource('a', { x: 2 }), fakeResource('b', { y: 1 })];
    const { plan } = await makePlan({ registry, resources });
    handler.objects.delete('a');
    handler.objects.set('b', { attrs: { y: 1 } });
    await expect(prepareSavedPlan(plan, { registry, resources })).rejects.toMatchObject({
      code: 'E_STALE_PLAN',
      detail:
        'a: deleted outside Phoenix since the plan was made\n  b: created outside Phoenix since the plan was made',
    });
    const deletion = { ...plan.changes[0]!, action: 'delete' as const };
    expect(findStaleEntries({ ...plan, changes: [deletion] }, { ...plan, changes: [] })).toEqual([
      { address: 'a', why: 'deleted outside Phoenix since the plan was made' },
    ]);
    expect(findStaleEntries(plan, { ...plan, changes: [] })).toEqual([
      { address: 'a', why: 'no longer in the configuration' },
      { address: 'b', why: 'no longer in the configuration' },
    ]);
  });
});
