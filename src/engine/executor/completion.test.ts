/**
 * The executor resolves only after every step has ended and been recorded: a failure is always
 * counted, a dependent of an unchanged resource is never started after the result was handed
 * back (the caller closes the state file then), and the result names work left undone.
 */
import { describe, expect, it } from 'vitest';
import { handlerRegistry, type Resource } from '../handler.ts';
import { memoryJournal } from '../journal.ts';
import { makePlan } from '../plan/planner.ts';
import { fakeHandler, fakeResource, type FakeHandlerOptions, type FakeObject } from '../testing/fake-handler.ts';
import { executePlan } from './executor.ts';

const instantSleep = async (): Promise<void> => {};

async function apply(
  resources: Resource<Record<string, unknown>>[],
  options: FakeHandlerOptions & { existing?: [string, FakeObject][] } = {},
) {
  const handler = fakeHandler({ ...options, objects: new Map(options.existing ?? []) });
  const registry = handlerRegistry([handler]);
  const planned = await makePlan({ registry, resources });
  const journal = memoryJournal();
  let resolved = false;
  const afterResolve: string[] = [];
  const wrapped = {
    begin: (s: Parameters<typeof journal.begin>[0]) => {
      if (resolved) afterResolve.push(`begin ${s.address}`);
      return journal.begin(s);
    },
    note: journal.note.bind(journal),
    succeed: (id: string, o: Parameters<typeof journal.succeed>[1]) => {
      if (resolved) afterResolve.push(`succeed ${id}`);
      return journal.succeed(id, o);
    },
    fail: (id: string, m: string) => {
      if (resolved) afterResolve.push(`fail ${id}`);
      return journal.fail(id, m);
    },
  };
  const result = await executePlan({ ...planned, registry, journal: wrapped, sleep: instantSleep });
  resolved = true;
  // Give anything still scheduled the chance to run: it must not exist.
  await new Promise((r) => setTimeout(r, 30));
  return { result, handler, journal, afterResolve, outcomes: new Map(result.outcomes) };
}

describe('executePlan completion', () => {
  it('a lone failing step is counted: not succeeded, its outcome is in the result', async () => {
    const { result } = await apply([fakeResource('rule', { v: 1 })], {
      fail: () => ({ retryable: false }),
    });
    expect(result.outcomes.get('rule')?.outcome).toBe('failed');
    expect(result.succeeded).toBe(false);
  });

  it('a failure after unrelated successes is counted and its dependents are skipped before resolving', async () => {
    const { result, outcomes } = await apply(
      [fakeResource('a', {}), fakeResource('b', {}, { dependsOn: ['a'] }), fakeResource('c', {})],
      { fail: (address) => (address === 'a' ? { retryable: false } : undefined), durationMs: () => 1 },
    );
    expect(result.succeeded).toBe(false);
    expect(outcomes.get('a')?.outcome).toBe('failed');
    expect(outcomes.get('b')?.outcome).toBe('skipped');
    expect(outcomes.get('c')?.outcome).toBe('created');
  });

  it('the dependent of an unchanged resource runs before the result is handed back, never after', async () => {
    // storage changes, the template is unchanged (a no-op passing ordering through), the guest
    // cloned from it changes: the shape of "storage content + VM memory in one apply".
    const { result, handler, afterResolve } = await apply(
      [
        fakeResource('storage', { content: 'images,iso' }),
        fakeResource('template', { v: 1 }, { dependsOn: ['storage'] }),
        fakeResource('guest', { memory: 2048 }, { dependsOn: ['template'] }),
      ],
      {
        existing: [
          ['storage', { attrs: { content: 'images' } }],
          ['template', { attrs: { v: 1 } }],
          ['guest', { attrs: { memory: 1024 } }],
        ],
      },
    );
    expect(afterResolve).toEqual([]);
    expect(handler.calls.map((c) => `${c.op} ${c.address}`)).toEqual(['update storage', 'update guest']);
    expect(result.outcomes.get('guest')?.outcome).toBe('updated');
    expect(result.succeeded).toBe(true);
  });

  it('no journal write happens after the result, whatever the mix of failures and no-ops', async () => {
    const { result, afterResolve, journal } = await apply(
      [
        fakeResource('root', { v: 2 }),
        fakeResource('s', { v: 1 }, { dependsOn: ['root'] }),
        fakeResource('g1', { m: 2 }, { dependsOn: ['s'] }),
        fakeResource('g2', { m: 2 }, { dependsOn: ['s'] }),
        fakeResource('g3', {}, { dependsOn: ['g1'] }),
      ],
      {
        existing: [
          ['root', { attrs: { v: 1 } }],
          ['s', { attrs: { v: 1 } }],
          ['g1', { attrs: { m: 1 } }],
          ['g2', { attrs: { m: 1 } }],
        ],
        fail: (address) => (address === 'g2' ? { retryable: false } : undefined),
      },
    );
    expect(afterResolve).toEqual([]);
    expect(result.succeeded).toBe(false);
    expect([...result.outcomes.values()].map((o) => `${o.address}:${o.outcome}`).sort()).toEqual([
      'g1:updated',
      'g2:failed',
      'g3:created',
      'root:updated',
      's:unchanged',
    ]);
    expect(journal.entries.map((e) => `${e.address}:${e.status}`).sort()).toEqual([
      'g1:succeeded',
      'g2:failed',
      'g3:succeeded',
      'root:succeeded',
    ]);
  });
});
