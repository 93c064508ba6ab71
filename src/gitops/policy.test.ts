import { describe, expect, it } from 'vitest';
import { Gitops } from '../config/schema-gitops.ts';
import { decide } from './policy.ts';

const change = (action: string) => ({ address: `guest.${action}`, action }) as never;

describe('gitops policy', () => {
  const defaults = Gitops.parse({});
  it('defaults: poll 60 s, autoSync on, self-heal every 5 min, deletions held', () => {
    expect(defaults).toMatchObject({
      pollInterval: 60,
      autoSync: true,
      prune: 'hold',
      selfHeal: { enabled: true, interval: 300 },
    });
    expect(Gitops.parse({ pollInterval: '2m', selfHeal: { interval: '1h' } })).toMatchObject({
      pollInterval: 120,
      selfHeal: { interval: 3600 },
    });
    expect(Gitops.safeParse({ pollInterval: 'soon' }).success).toBe(false);
  });

  it.each([
    ['no change', [change('noop')], {}, 'poll', 'in-sync'],
    ['an update', [change('update')], {}, 'poll', 'apply'],
    ['autoSync off', [change('update')], { autoSync: false }, 'poll', 'hold'],
    ['a deletion with prune hold', [change('update'), change('delete')], {}, 'poll', 'apply-and-hold-prune'],
    ['a deletion with prune auto', [change('delete')], { prune: 'auto' }, 'poll', 'apply'],
    ['drift with self-heal off', [change('update')], { selfHeal: { enabled: false } }, 'self-heal', 'hold'],
    ['drift with self-heal on', [change('update')], {}, 'self-heal', 'apply'],
  ] as const)('%s', (_name, changes, policy, trigger, expected) => {
    expect(decide({ changes: [...changes] }, Gitops.parse(policy), trigger).kind).toBe(expected);
  });
});
