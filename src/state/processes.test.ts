import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStateStore } from './store.ts';

const CHILD = fileURLToPath(new URL('./_child.ts', import.meta.url));
let dir: string;
const children: ChildProcess[] = [];

function spawnChild(...args: string[]): ChildProcess {
  const child = fork(CHILD, args, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.push(child);
  return child;
}

/** Next IPC message of `child` matching `predicate`, bounded in time. */
function nextMessage<T>(
  child: ChildProcess,
  predicate: (m: unknown) => boolean = () => true,
  timeoutMs = 20_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('child did not answer in time')), timeoutMs);
    const onMessage = (m: unknown) => {
      if (!predicate(m)) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(m as T);
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`child exited early (${code})`)));
  });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'phoenix-state-proc-'));
});

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('state file across processes', () => {
  it('lets exactly one of several racing processes take the lease, naming the winner to the others', async () => {
    const db = join(dir, 'state.db');
    const racers = Array.from({ length: 4 }, () => spawnChild('race', db, 'homelab'));
    await Promise.all(racers.map((c) => nextMessage(c, (m) => m === 'listening')));
    const results = racers.map((c) =>
      nextMessage<{ won: boolean; holderId?: string; message?: string }>(c, (m) => typeof m === 'object'),
    );
    for (const c of racers) c.send('go');
    const outcomes = await Promise.all(results);
    const winners = outcomes.filter((o) => o.won);
    expect(winners).toHaveLength(1);
    for (const loser of outcomes.filter((o) => !o.won)) {
      expect(loser.message).toContain(`is locked by ${winners[0]?.holderId}`);
    }
    for (const c of racers) c.send('exit');
  });

  it('leaves a consistent journal after kill -9 mid-run, and the next run finds the in-flight clone', async () => {
    const db = join(dir, 'state.db');
    const child = spawnChild('crash', db, 'homelab');
    const { runId } = await nextMessage<{ runId: string }>(child, (m) => typeof m === 'object');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;

    const store = openStateStore(db);
    try {
      expect(store.integrityCheck()).toBe('ok');
      // The dead holder's lease (10 min TTL) is taken over at once: its pid is gone.
      const lease = store.leases.acquire('homelab');
      expect(store.runs.recoverInterrupted('homelab').map((r) => r.id)).toEqual([runId]);
      expect(store.runs.get(runId)?.outcome).toBe('interrupted');
      expect(store.journal.entries(runId).map((e) => [e.stepId, e.status])).toEqual([
        ['s1', 'succeeded'],
        ['s2', 'started'],
        ['s3', 'pending'],
      ]);
      expect(store.journal.inFlight('homelab')).toMatchObject([
        { address: 'guest.nginx', details: { vmid: 101, upid: expect.stringMatching(/^UPID:pve:/) } },
      ]);
      expect(store.events.list({ runId }).length).toBeGreaterThan(0);
      lease.release();
    } finally {
      store.close();
    }
  });
});
