import { describe, expect, it } from 'vitest';
import { criticalPath } from '../graph/critical-path.ts';
import { handlerRegistry, type Resource } from '../handler.ts';
import { NoopHook, type ApplyEvent, type PostApplyEvent } from '../hook.ts';
import { memoryJournal } from '../journal.ts';
import { makePlan } from '../plan/planner.ts';
import {
  fakeHandler,
  fakeResource,
  type FakeCall,
  type FakeHandlerOptions,
  type FakeObject,
} from '../testing/fake-handler.ts';
import { executePlan, type ExecuteInput } from './executor.ts';
import { buildApplyGraph } from '../graph/build.ts';

const instantSleep = async (): Promise<void> => {};

async function run(
  resources: Resource<Record<string, unknown>>[],
  options: FakeHandlerOptions & { existing?: [string, FakeObject][]; prune?: boolean } = {},
  exec: Partial<ExecuteInput> = {},
) {
  const handler = fakeHandler({ ...options, objects: new Map(options.existing ?? []) });
  const registry = handlerRegistry([handler]);
  const planned = await makePlan({ registry, resources, prune: options.prune });
  const result = await executePlan({
    plan: planned.plan,
    resources: planned.resources,
    observations: planned.observations,
    registry,
    sleep: instantSleep,
    ...exec,
  });
  return { handler, result, plan: planned.plan, outcome: (a: string) => result.outcomes.get(a)?.outcome };
}

function overlaps(a: FakeCall, b: FakeCall): boolean {
  return a.start < b.end && b.start < a.end;
}

describe('executePlan', () => {
  it('refuses a plan that has errors', async () => {
    const registry = handlerRegistry([fakeHandler()]);
    const input = { plan: { changes: [], applyable: false }, resources: new Map(), observations: new Map(), registry };
    await expect(executePlan(input)).rejects.toMatchObject({ code: 'E_PLAN_NOT_APPLYABLE' });
  });

  it('creates in dependency order and reports outcomes', async () => {
    const { handler, result, outcome } = await run(
      [
        fakeResource('ca', {}),
        fakeResource('gw', {}, { dependsOn: ['ca'] }),
        fakeResource('app', {}, { dependsOn: ['gw'] }),
        fakeResource('same', { v: 1 }),
      ],
      { durationMs: () => 5, existing: [['same', { attrs: { v: 1 } }]] },
    );
    expect(handler.calls.map((c) => c.address)).toEqual(['ca', 'gw', 'app']);
    expect(outcome('app')).toBe('created');
    expect(outcome('same')).toBe('unchanged');
    expect(result.succeeded).toBe(true);
  });

  it('converges: a second plan has no changes and its apply makes zero mutating calls', async () => {
    const handler = fakeHandler({
      objects: new Map([
        ['old', { attrs: { v: 1 } }],
        ['drifted', { attrs: { v: 1 } }],
      ]),
    });
    const registry = handlerRegistry([handler]);
    const resources = [fakeResource('new', { v: 1 }), fakeResource('drifted', { v: 2 }, { dependsOn: ['new'] })];
    const apply = async () => {
      const planned = await makePlan({ registry, resources, prune: true });
      return executePlan({ ...planned, registry, sleep: instantSleep });
    };
    expect((await apply()).succeeded).toBe(true);
    const callsAfterFirst = handler.calls.length;
    const second = await makePlan({ registry, resources, prune: true });
    expect(second.plan.changes.map((c) => c.action)).toEqual(['noop', 'noop']);
    await apply();
    expect(handler.calls.length).toBe(callsAfterFirst);
  });

  it('deletes in reverse dependency order and replaces by delete then create', async () => {
    const { handler, result } = await run([fakeResource('os', { ostemplate: 'b' })], {
      replaceKeys: ['ostemplate'],
      prune: true,
      existing: [
        ['tpl', { attrs: {} }],
        ['clone', { attrs: {}, dependsOn: ['tpl'] }],
        ['os', { attrs: { ostemplate: 'a' } }],
      ],
    });
    const ops = handler.calls.map((c) => `${c.op}:${c.address}`);
    expect(ops.indexOf('delete:clone')).toBeLessThan(ops.indexOf('delete:tpl'));
    expect(ops.indexOf('delete:os')).toBeLessThan(ops.indexOf('create:os'));
    expect(result.outcomes.get('os')?.outcome).toBe('created');
    expect(result.outcomes.get('tpl')?.outcome).toBe('deleted');
  });

  it('never runs two resources sharing a lock key at once', async () => {
    const clones = ['c1', 'c2', 'c3', 'c4'].map((a) => fakeResource(a, {}, { lockKeys: ['clone-source:9000'] }));
    const { handler } = await run([...clones, fakeResource('free', {})], { durationMs: () => 15 });
    const cloneCalls = handler.calls.filter((c) => c.address.startsWith('c'));
    for (const a of cloneCalls) for (const b of cloneCalls) if (a !== b) expect(overlaps(a, b)).toBe(false);
    const free = handler.calls.find((c) => c.address === 'free') as FakeCall;
    expect(cloneCalls.some((c) => overlaps(c, free))).toBe(true);
  });

  it('releases lock keys once the mutating calls are done, not after the health wait', async () => {
    const order: string[] = [];
    const hook = new (class extends NoopHook {
      override preApply(e: ApplyEvent): void {
        order.push(`start ${e.address}`);
      }
      override postApply(e: PostApplyEvent): void {
        order.push(`done ${e.address}`);
      }
    })();
    const clones = ['c1', 'c2'].map((a) => fakeResource(a, {}, { lockKeys: ['clone-source:9000'] }));
    const { handler } = await run(
      clones,
      { health: (address, poll) => (address === 'c1' && poll < 5 ? 'pending' : 'healthy') },
      { hook },
    );
    expect(order).toEqual(['start c1', 'start c2', 'done c2', 'done c1']);
    const [first, second] = handler.calls;
    expect(first && second && overlaps(first, second)).toBe(false);
  });

  it('respects the per-node and the global concurrency limits', async () => {
    const onA = ['a1', 'a2', 'a3', 'a4'].map((a) => fakeResource(a, {}, { node: 'pve1' }));
    const onB = ['b1', 'b2', 'b3', 'b4'].map((a) => fakeResource(a, {}, { node: 'pve2' }));
    const perNode = await run([...onA], { durationMs: () => 10 }, { perNodeConcurrency: 2 });
    expect(perNode.handler.maxInFlight).toBe(2);
    const global = await run([...onA, ...onB], { durationMs: () => 10 }, { perNodeConcurrency: 4, concurrency: 3 });
    expect(global.handler.maxInFlight).toBe(3);
  });

  it('skips what is downstream of a failure and carries on elsewhere', async () => {
    const { result, outcome } = await run(
      [
        fakeResource('ca', {}),
        fakeResource('gw', {}, { dependsOn: ['ca'] }),
        fakeResource('app', {}, { dependsOn: ['gw'] }),
        fakeResource('other', {}),
      ],
      { fail: (address) => (address === 'ca' ? { retryable: false } : undefined) },
    );
    expect(outcome('ca')).toBe('failed');
    expect(result.outcomes.get('gw')).toMatchObject({ outcome: 'skipped', reason: 'upstream failed: ca' });
    expect(result.outcomes.get('app')).toMatchObject({ outcome: 'skipped', reason: 'upstream failed: ca' });
    expect(outcome('other')).toBe('created');
    expect(result.succeeded).toBe(false);
  });

  it('retries retryable errors with backoff and journals every attempt', async () => {
    const journal = memoryJournal();
    const delays: number[] = [];
    const { result } = await run(
      [fakeResource('a', {}), fakeResource('b', {})],
      {
        fail: (address, _op, attempt) =>
          address === 'a' && attempt < 3 ? { retryable: true } : address === 'b' ? { retryable: false } : undefined,
      },
      {
        journal,
        retry: { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000 },
        random: () => 0,
        sleep: async (ms) => {
          delays.push(ms);
        },
      },
    );
    expect(result.outcomes.get('a')).toMatchObject({ outcome: 'created', attempts: 3 });
    expect(result.outcomes.get('b')).toMatchObject({ outcome: 'failed', attempts: 1 });
    expect(delays).toEqual([50, 100]);
    expect(journal.entries.filter((e) => e.address === 'a').map((e) => e.status)).toEqual([
      'failed',
      'failed',
      'succeeded',
    ]);
  });

  it('waits for health before starting dependents, and fails on a health timeout', async () => {
    let t = 0;
    const { handler, outcome } = await run(
      [fakeResource('db', {}), fakeResource('app', {}, { dependsOn: ['db'] }), fakeResource('stuck', {})],
      {
        now: () => t,
        health: (address, poll) =>
          address === 'db' ? (poll < 3 ? 'pending' : 'healthy') : address === 'stuck' ? 'pending' : 'healthy',
      },
      {
        now: () => t,
        sleep: async (ms) => {
          t += ms;
        },
        health: { intervalMs: 100, maxIntervalMs: 400, timeoutMs: 2000 },
      },
    );
    expect(handler.healthPolls.get('db')).toBe(3);
    expect(outcome('app')).toBe('created');
    expect(outcome('stuck')).toBe('failed');
  });

  it('with health `when-needed`, waits only where a dependent needs the resource', async () => {
    const { handler, outcome } = await run(
      [
        fakeResource('db', {}, { health: 'when-needed' }),
        fakeResource('app', {}, { dependsOn: ['db'], health: 'when-needed' }),
        fakeResource('always', {}, { health: 'wait' }),
      ],
      { health: (_address, poll) => (poll < 2 ? 'pending' : 'healthy') },
    );
    // db gates app: polled until healthy; app has no dependent: status reports its health.
    expect(handler.healthPolls.get('db')).toBe(2);
    expect(handler.healthPolls.get('app')).toBeUndefined();
    expect(handler.healthPolls.get('always')).toBe(2);
    expect(outcome('app')).toBe('created');
  });

  it('on cancellation starts nothing new, lets in-flight work finish and records it', async () => {
    const journal = memoryJournal();
    const controller = new AbortController();
    const events: PostApplyEvent[] = [];
    const hook = new (class extends NoopHook {
      override postApply(e: PostApplyEvent): void {
        events.push(e);
      }
    })();
    const pending = run(
      [fakeResource('a', {}), fakeResource('b', {}, { dependsOn: ['a'] }), fakeResource('c', {}, { dependsOn: ['b'] })],
      { durationMs: () => 40 },
      { journal, signal: controller.signal, hook },
    );
    setTimeout(() => controller.abort(), 10);
    const { result, handler } = await pending;
    expect(result.cancelled).toBe(true);
    expect(handler.calls.map((c) => c.address)).toEqual(['a']);
    expect(result.outcomes.get('a')?.outcome).toBe('created');
    expect(result.outcomes.get('b')).toMatchObject({ outcome: 'skipped', reason: 'cancelled' });
    expect(journal.entries).toMatchObject([{ address: 'a', status: 'succeeded' }]);
    expect(events.map((e) => `${e.address}:${e.outcome}`)).toEqual(['a:created', 'b:skipped', 'c:skipped']);
  });

  it('on a hard abort interrupts running steps and starts nothing else', async () => {
    const hard = new AbortController();
    const pending = run(
      [fakeResource('a', {}), fakeResource('b', {}), fakeResource('c', {}, { dependsOn: ['a'] })],
      { durationMs: (a) => (a === 'a' ? 1000 : 5) },
      { abortInFlight: hard.signal, concurrency: 1 },
    );
    setTimeout(() => hard.abort(), 20);
    const started = performance.now();
    const { result, handler } = await pending;
    expect(performance.now() - started).toBeLessThan(900);
    expect(result.cancelled).toBe(true);
    expect(result.outcomes.get('a')?.outcome).toBe('failed');
    expect(handler.calls.map((c) => c.address)).toEqual(['a']);
    expect(result.outcomes.get('b')).toMatchObject({ outcome: 'skipped', reason: 'cancelled' });
  });

  it('starts the ready resource on the longest remaining path first (wall time ≈ critical path)', async () => {
    // Two slots. Short independent tasks and a long chain are ready together; starting the
    // short ones first (address order would: s < z) makes it 280 ms instead of 200. Durations in ms.
    const ms: Record<string, number> = { z1: 60, z2: 60, z3: 60, s1: 50, s2: 50, s3: 50, s4: 50 };
    const resources = [
      fakeResource('z1', {}),
      fakeResource('z2', {}, { dependsOn: ['z1'] }),
      fakeResource('z3', {}, { dependsOn: ['z2'] }),
      ...['s1', 's2', 's3', 's4'].map((a) => fakeResource(a, {})),
    ];
    const durationOf = (a: string): number => ms[a] ?? 0;
    const { result, plan } = await run(
      resources,
      { durationMs: (a) => durationOf(a) },
      { concurrency: 2, estimateDuration: (c) => durationOf(c.address) },
    );
    const { graph } = buildApplyGraph({ changes: plan.changes });
    const cp = criticalPath(graph, durationOf);
    expect(cp.length).toBe(180);
    // Ideal with 2 slots: chain on one slot (180), the four 50s on the other (200) → 200.
    expect(result.durationMs).toBeLessThan(200 * 1.2);
    expect(result.outcomes.get('z3')?.outcome).toBe('created');
  });
});
