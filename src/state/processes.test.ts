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

describe('a lease race never disturbs the holder', () => {
  it('the holder journals without a single SQLITE_BUSY while other processes keep trying to take the lease', async () => {
    const db = join(dir, 'state.db');
    const store = openStateStore(db);
    try {
      const lease = store.leases.acquire('homelab', { ttlMs: 30_000 });
      const contenders = Array.from({ length: 3 }, () => spawnChild('contend', db, 'homelab', '1500'));
      await Promise.all(contenders.map((c) => nextMessage(c, (m) => m === 'listening')));
      const reports = contenders.map((c) =>
        nextMessage<{ attempts: number; codes: Record<string, number> }>(c, (m) => typeof m === 'object'),
      );
      for (const c of contenders) c.send('go');
      // The holder does what an apply does: journal steps, notes, events, lease renewals.
      const errors: string[] = [];
      const run = store.runs.start({ environment: 'homelab' });
      const deadline = Date.now() + 1500;
      let steps = 0;
      while (Date.now() < deadline && steps < 50_000) {
        const stepId = `s${steps++}`;
        try {
          store.journal.plan(run.id, { stepId, address: `guest.${steps}`, action: 'create' });
          store.journal.start(run.id, stepId);
          store.journal.note(run.id, stepId, { upid: 'UPID:pve:1' });
          store.journal.succeed(run.id, stepId);
          store.events.add({ runId: run.id, type: 'tick', message: stepId });
          if (steps % 20 === 0) lease.renew();
        } catch (error) {
          errors.push(String((error as { code?: unknown }).code ?? (error as Error).message));
        }
        await new Promise((r) => setImmediate(r));
      }
      store.runs.finish(run.id, 'succeeded');
      const seen = await Promise.all(reports);
      expect(errors).toEqual([]);
      expect(steps).toBeGreaterThan(10);
      for (const report of seen) {
        expect(report.attempts).toBeGreaterThan(0);
        // The only answer a contender ever gets is the clean refusal naming the holder.
        expect(Object.keys(report.codes)).toEqual(['E_LEASE_HELD']);
      }
      lease.release();
    } finally {
      store.close();
    }
  });
});
