/**
 * Scheduling quality on a virtual clock (exact times, no timer noise): the makespan of a
 * benchmark-like topology against its critical path under lock rules, and a property test
 * that the walk honours dependencies, lock keys and limits while never idling a usable slot.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildApplyGraph } from '../graph/build.ts';
import { criticalPath } from '../graph/critical-path.ts';
import { handlerRegistry, type Resource } from '../handler.ts';
import { makePlan } from '../plan/planner.ts';
import { fakeHandler, fakeResource, type FakeCall } from '../testing/fake-handler.ts';
import { virtualClock } from '../testing/virtual-clock.ts';
import { executePlan } from './executor.ts';

type Attrs = Record<string, unknown>;

async function simulate(
  resources: Resource<Attrs>[],
  durationOf: (address: string) => number,
  limits: { concurrency: number; perNodeConcurrency: number },
  priorityOf: (address: string) => number = durationOf,
) {
  const clock = virtualClock();
  const handler = fakeHandler({ durationMs: (a) => durationOf(a), now: clock.now, sleep: clock.sleep });
  const registry = handlerRegistry([handler]);
  const planned = await makePlan({ registry, resources });
  const result = await clock.run(
    executePlan({
      plan: planned.plan,
      resources: planned.resources,
      observations: planned.observations,
      registry,
      ...limits,
      now: clock.now,
      sleep: clock.sleep,
      estimateDuration: (c) => priorityOf(c.address),
    }),
  );
  const { graph } = buildApplyGraph({ changes: planned.plan.changes });
  const byAddress = new Map(resources.map((r) => [r.address, r]));
  const cp = criticalPath(graph, durationOf, (a) => byAddress.get(a)?.lockKeys ?? []);
  return { result, calls: handler.calls, cp, graph };
}

/**
 * 3 nodes with a VM template each (slow), 9 clone sources (one lock key each), a CA that a
 * quarter of the guests wait for, and app chains: 50 resources. Durations in ms of task time.
 */
function fiftyGuests(): { resources: Resource<Attrs>[]; ms: Map<string, number> } {
  const resources: Resource<Attrs>[] = [];
  const ms = new Map<string, number>();
  const nodes = ['pve1', 'pve2', 'pve3'];
  nodes.forEach((node, i) => {
    resources.push(fakeResource(`tpl.${i}`, {}, { node }));
    ms.set(`tpl.${i}`, 40_000);
  });
  resources.push(fakeResource('guest.ca', {}, { node: 'pve1' }));
  ms.set('guest.ca', 25_000);
  for (let i = 0; i < 46; i += 1) {
    const node = nodes[i % 3] as string;
    // Every third guest is a fresh container (no template), the rest are clones.
    const source = i % 3 === 0 ? undefined : `tpl.${i % 3}`;
    const deps = [
      ...(source ? [source] : []),
      ...(i % 4 === 0 ? ['guest.ca'] : []),
      ...(i >= 5 && i % 5 === 0 ? [`guest.${i - 5}`] : []),
    ];
    const lockKeys = source ? [`clone:${source}:${i % 9}`] : [];
    resources.push(fakeResource(`guest.${i}`, {}, { node, dependsOn: deps, lockKeys }));
    ms.set(`guest.${i}`, 4_000 + ((i * 7919) % 9) * 2_000);
  }
  return { resources, ms };
}

describe('scheduling quality', () => {
  it('converges a 50-guest topology within 1.2 × the critical path under lock rules', async () => {
    const { resources, ms } = fiftyGuests();
    const { result, cp } = await simulate(resources, (a) => ms.get(a) ?? 0, { concurrency: 8, perNodeConcurrency: 4 });
    expect(result.succeeded).toBe(true);
    expect(result.outcomes.size).toBe(50);
    const ratio = result.durationMs / cp.length;
    if (process.env.PHOENIX_DEBUG_SCHEDULE)
      console.log({ wall: result.durationMs, cp: cp.length, boundBy: cp.boundBy });
    expect(ratio).toBeGreaterThanOrEqual(1);
    expect(ratio).toBeLessThanOrEqual(1.2);
  });

  it('owes that to critical-path priority (address order alone is measurably slower)', async () => {
    const { resources, ms } = fiftyGuests();
    const durationOf = (a: string): number => ms.get(a) ?? 0;
    const limits = { concurrency: 8, perNodeConcurrency: 4 };
    const smart = await simulate(resources, durationOf, limits);
    const naive = await simulate(resources, durationOf, limits, () => 0);
    if (process.env.PHOENIX_DEBUG_SCHEDULE)
      console.log({ smart: smart.result.durationMs, naive: naive.result.durationMs });
    expect(smart.result.durationMs).toBeLessThan(naive.result.durationMs);
  });

  it('honours dependencies, lock keys and limits, and never idles a usable slot', async () => {
    const limits = { concurrency: 3, perNodeConcurrency: 2 };
    const arbitrary = fc
      .integer({ min: 1, max: 18 })
      .chain((n) =>
        fc.tuple(
          fc.constant(n),
          fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: n * 2 }),
          fc.array(fc.option(fc.constantFrom('k1', 'k2'), { nil: undefined }), { minLength: n, maxLength: n }),
          fc.array(fc.constantFrom('pve1', 'pve2'), { minLength: n, maxLength: n }),
          fc.array(fc.integer({ min: 1, max: 9 }), { minLength: n, maxLength: n }),
        ),
      );
    await fc.assert(
      fc.asyncProperty(arbitrary, async ([n, pairs, keys, nodes, durations]) => {
        const name = (i: number): string => `r${String(i).padStart(2, '0')}`;
        // Edges only from higher to lower index: acyclic by construction.
        const resources = Array.from({ length: n }, (_, i) =>
          fakeResource(
            name(i),
            {},
            {
              node: nodes[i],
              lockKeys: keys[i] ? [keys[i] as string] : [],
              dependsOn: [...new Set(pairs.filter(([a, b]) => a === i && b < i).map(([, b]) => name(b)))],
            },
          ),
        );
        const durationOf = (a: string): number => (durations[Number(a.slice(1))] ?? 1) * 1000;
        const { result, calls } = await simulate(resources, durationOf, limits);
        expect(result.succeeded).toBe(true);
        const call = new Map(calls.map((c) => [c.address, c]));
        const running = (t: number): FakeCall[] => calls.filter((c) => c.start <= t && t < c.end);
        for (const r of resources) {
          const me = call.get(r.address) as FakeCall;
          const readyAt = Math.max(0, ...r.dependsOn.map((d) => (call.get(d) as FakeCall).end));
          expect(me.start).toBeGreaterThanOrEqual(readyAt);
          const at = calls.filter((c) => c.start === me.start);
          expect(
            at.filter((c) => resources.find((x) => x.address === c.address)?.node === r.node).length,
          ).toBeLessThanOrEqual(2);
          expect(running(me.start).length).toBeLessThanOrEqual(limits.concurrency);
          for (const other of running(me.start)) {
            const o = resources.find((x) => x.address === other.address) as Resource;
            if (other !== me && r.lockKeys?.length) expect(o.lockKeys).not.toContain(r.lockKeys[0]);
          }
          // Work conservation: at every instant it was ready but not running, something blocked it.
          const instants = [readyAt, ...calls.map((c) => c.end).filter((t) => t > readyAt && t < me.start)];
          for (const t of me.start > readyAt ? instants : []) {
            const busy = running(t);
            const onNode = busy.filter((c) => resources.find((x) => x.address === c.address)?.node === r.node);
            const locked = busy.some((c) =>
              (resources.find((x) => x.address === c.address)?.lockKeys ?? []).some((k) => r.lockKeys?.includes(k)),
            );
            expect(busy.length >= limits.concurrency || onNode.length >= limits.perNodeConcurrency || locked).toBe(
              true,
            );
          }
        }
      }),
      { numRuns: 60 },
    );
  });
});
