import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStateStore, type StateStore } from './index.ts';

let dir: string | undefined;
let store: StateStore | undefined;
afterEach(() => {
  store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function open(context = {}): StateStore {
  dir ??= mkdtempSync(join(tmpdir(), 'phoenix-gitops-state-'));
  store = openStateStore(join(dir, 'state.db'), { context });
  return store;
}

describe('gitops state', () => {
  it('stores tokens only hashed and verifies them', () => {
    const s = open();
    const { token } = s.gitops.tokens.create('read', 'ci');
    expect(token).toMatch(/^phx_[A-Za-z0-9_-]{43}$/);
    expect(s.gitops.tokens.verify(token)?.scope).toBe('read');
    expect(s.gitops.tokens.verify(token + 'x')).toBeUndefined();
    // The file never holds the token itself.
    s.close();
    const raw = readFileSync(join(dir!, 'state.db'));
    expect(raw.includes(Buffer.from(token))).toBe(false);
  });

  it('keeps history with retention and deletes the events of dropped runs', () => {
    let now = 1_000;
    const s = open({ now: () => now++ });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const run = s.gitops.runs.start({ environment: 'e', revision: `r${i}`, trigger: 'poll' });
      s.gitops.runs.update(run.id, { outcome: 'succeeded', finishedAt: now, summary: { add: i } });
      s.events.add({ runId: run.id, type: 'x', message: 'm' });
      ids.push(run.id);
    }
    expect(s.gitops.runs.retain(2)).toBe(3);
    const left = s.gitops.runs.list();
    expect(left.map((r) => r.revision)).toEqual(['r4', 'r3']);
    expect(left[0]?.summary).toEqual({ add: 4 });
    expect(s.events.list({ runId: ids[0] })).toEqual([]);
    expect(s.events.list({ runId: ids[4] })).toHaveLength(1);
  });

  it('marks runs of a dead daemon interrupted, never those of a live one', () => {
    const dead = open({ pid: 999_999_1, isAlive: () => false });
    const run = dead.gitops.runs.start({ environment: 'e', trigger: 'poll' });
    dead.close();
    const s = open();
    expect(s.gitops.runs.interruptStale().map((r) => r.id)).toEqual([run.id]);
    expect(s.gitops.runs.get(run.id)?.outcome).toBe('interrupted');
    const mine = s.gitops.runs.start({ environment: 'e', trigger: 'poll' });
    expect(s.gitops.runs.interruptStale()).toEqual([]);
    expect(s.gitops.runs.get(mine.id)?.outcome).toBe('running');
  });

  it('decides a hold once', () => {
    const s = open();
    const hold = s.gitops.holds.create({ runId: 'r', reason: 'prune', summary: { destroy: 1 }, plan: { changes: [] } });
    expect(s.gitops.holds.list('pending').map((h) => h.id)).toEqual([hold.id]);
    expect(s.gitops.holds.decide(hold.id, 'rejected', 'tok')).toBe(true);
    expect(s.gitops.holds.decide(hold.id, 'approved')).toBe(false);
    expect(s.gitops.holds.get(hold.id)?.status).toBe('rejected');
  });
});
