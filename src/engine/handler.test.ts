import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  handlerRegistry,
  isRetryableError,
  type DiffResponse,
  type ObserveResponse,
  type Resource,
  type ResourceHandler,
  type UpdateRequest,
} from './handler.ts';
import { composeHooks, NoopHook, type PostApplyEvent } from './hook.ts';
import { memoryJournal } from './journal.ts';
import { fakeHandler } from './testing/fake-handler.ts';

interface Desired {
  memory: number;
}
interface Observed {
  memory: number;
  status: string;
}

describe('handler contract types', () => {
  it('threads Desired and Observed through every request and response', () => {
    type H = ResourceHandler<Desired, Observed>;
    expectTypeOf<Parameters<H['observe']>[0]['resource']>().toEqualTypeOf<Resource<Desired>>();
    expectTypeOf<Awaited<ReturnType<H['observe']>>>().toEqualTypeOf<ObserveResponse<Observed>>();
    expectTypeOf<Parameters<H['diff']>[0]['observed']>().toEqualTypeOf<Observed | null>();
    expectTypeOf<ReturnType<H['diff']>>().toEqualTypeOf<DiffResponse | Promise<DiffResponse>>();
    expectTypeOf<Parameters<H['update']>[0]>().toEqualTypeOf<UpdateRequest<Desired, Observed>>();
    expectTypeOf<H['import']>().toBeNullable();
  });
});

describe('handlerRegistry', () => {
  it('looks handlers up by kind and refuses duplicates', () => {
    const a = fakeHandler({ kind: 'a' });
    const registry = handlerRegistry([a, fakeHandler({ kind: 'b' })]);
    expect(registry.get('a')).toBe(a);
    expect(registry.get('c')).toBeUndefined();
    expect(registry.kinds()).toEqual(['a', 'b']);
    expect(() => handlerRegistry([a, a])).toThrow(/duplicate handler for kind a/);
  });
});

describe('isRetryableError', () => {
  it.each([
    [Object.assign(new Error('lock timeout'), { retryable: true }), true],
    [Object.assign(new Error('bad param'), { retryable: false }), false],
    [new Error('plain'), false],
    ['text', false],
    [null, false],
  ])('%s → %s', (error, expected) => {
    expect(isRetryableError(error)).toBe(expected);
  });
});

describe('composeHooks', () => {
  it('calls every hook and survives one that throws', () => {
    const seen: string[] = [];
    const broken = new (class extends NoopHook {
      override postApply(): void {
        throw new Error('view crashed');
      }
    })();
    const recording = new (class extends NoopHook {
      override postApply(e: PostApplyEvent): void {
        seen.push(e.address);
      }
    })();
    composeHooks(broken, recording).postApply({
      address: 'a',
      kind: 'k',
      action: 'create',
      outcome: 'created',
      durationMs: 1,
    });
    expect(seen).toEqual(['a']);
  });
});

describe('memoryJournal', () => {
  it('records begin, notes and the end of each step', () => {
    const journal = memoryJournal();
    const id = String(journal.begin({ address: 'a', kind: 'k', action: 'create', attempt: 1 }));
    journal.note(id, { upid: 'UPID:1' });
    journal.succeed(id, 'created');
    expect(journal.entries).toEqual([
      {
        id: '1',
        address: 'a',
        kind: 'k',
        action: 'create',
        attempt: 1,
        status: 'succeeded',
        outcome: 'created',
        notes: { upid: 'UPID:1' },
      },
    ]);
  });
});
