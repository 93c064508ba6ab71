import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoreContext } from './context.ts';
import { LeaseHeldError, LeaseLostError } from './lease.ts';
import { MIGRATIONS } from './migrations.ts';
import { openStateStore, type StateStore } from './store.ts';

let dir: string;
const open: StateStore[] = [];
let clock = 1_000_000;

function store(context: Partial<StoreContext> = {}) {
  const s = openStateStore(join(dir, 'state.db'), { context: { now: () => clock, ...context } });
  open.push(s);
  return s;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'phoenix-state-'));
  clock = 1_000_000;
});

afterEach(() => {
  for (const s of open.splice(0)) s.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('openStateStore', () => {
  it('creates the schema once, in WAL mode, and reopens idempotently', () => {
    store().close();
    const s = store();
    const db = new Database(join(dir, 'state.db'), { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    expect(s.integrityCheck()).toBe('ok');
  });

  it('refuses a file from a newer Phoenix and a file that is not a database, with clear errors', () => {
    const path = join(dir, 'state.db');
    const db = new Database(path);
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    expect(() => openStateStore(path)).toThrow(/newer Phoenix/);
    const junk = join(dir, 'junk.db');
    writeFileSync(junk, 'this is not sqlite, just text padded out '.repeat(200));
    expect(() => openStateStore(junk)).toThrow(/not usable/);
  });
});

describe('runs and journal', () => {
  it('records a run with its steps written before and after each call', () => {
    const s = store();
    const run = s.runs.start({ environment: 'homelab', planHash: 'sha256:1' });
    s.journal.plan(run.id, { stepId: 'a', address: 'guest.web', action: 'create' });
    s.journal.plan(run.id, { stepId: 'a', address: 'guest.web', action: 'create' });
    s.journal.start(run.id, 'a', { vmid: 101 });
    clock += 10;
    s.journal.note(run.id, 'a', { upid: 'UPID:x' });
    s.journal.succeed(run.id, 'a');
    s.runs.finish(run.id, 'succeeded');
    const [entry, ...rest] = s.journal.entries(run.id);
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({
      status: 'succeeded',
      details: { vmid: 101, upid: 'UPID:x' },
      createdAt: 1_000_000,
      updatedAt: 1_000_010,
    });
    expect(s.runs.get(run.id)).toMatchObject({ outcome: 'succeeded', finishedAt: 1_000_010, planHash: 'sha256:1' });
    expect(s.journal.lastFor('homelab', 'guest.web')?.status).toBe('succeeded');
    expect(() => s.journal.start(run.id, 'nope')).toThrow(/never planned/);
  });

  it('finds steps in flight of runs that were interrupted, not of the live one', () => {
    const crashed = store({ pid: 4242, hostname: 'elsewhere' });
    const old = crashed.runs.start({ environment: 'homelab' });
    crashed.journal.plan(old.id, { stepId: 'c', address: 'guest.vm', action: 'clone' });
    crashed.journal.start(old.id, 'c', { upid: 'UPID:pve:1' });
    const s = store();
    expect(() => s.runs.recoverInterrupted('homelab')).toThrow(/without holding its lease/);
    const lease = s.leases.acquire('homelab');
    const live = s.runs.start({ environment: 'homelab' });
    s.journal.plan(live.id, { stepId: 'x', address: 'guest.x', action: 'update' });
    s.journal.start(live.id, 'x');
    expect(s.journal.inFlight('homelab')).toEqual([]);
    const recovered = s.runs.recoverInterrupted('homelab');
    expect(recovered.map((r) => r.id)).toEqual([old.id]);
    expect(s.runs.get(live.id)?.outcome).toBe('running');
    expect(s.journal.inFlight('homelab')).toMatchObject([
      { runId: old.id, address: 'guest.vm', details: { upid: 'UPID:pve:1' } },
    ]);
    expect(
      s.runs
        .list('homelab')
        .map((r) => r.outcome)
        .sort(),
    ).toEqual(['interrupted', 'running']);
    lease.release();
    expect(s.leases.get('homelab')).toBeUndefined();
  });
});

describe('lease', () => {
  it('is exclusive, names its holder, renews and releases', () => {
    const a = store({ pid: process.pid });
    const b = store();
    const lease = a.leases.acquire('homelab', { holderId: 'alice', ttlMs: 1000 });
    const error = (() => {
      try {
        b.leases.acquire('homelab', { holderId: 'bob' });
      } catch (e) {
        return e;
      }
    })() as LeaseHeldError;
    expect(error).toBeInstanceOf(LeaseHeldError);
    expect(error.message).toContain('alice');
    expect(error.message).toContain(`pid ${process.pid}`);
    expect(error.hint).toBeTruthy();
    b.leases.acquire('other-env', { holderId: 'bob' });
    clock += 900;
    expect(lease.renew().expiresAt).toBe(clock + 1000);
    clock += 900;
    expect(() => b.leases.acquire('homelab', { holderId: 'bob' })).toThrow(LeaseHeldError);
    lease.release();
    expect(b.leases.acquire('homelab', { holderId: 'bob' }).holderId).toBe('bob');
    expect(() => lease.renew()).toThrow(LeaseLostError);
  });

  it('is taken over once expired, even from a live holder on another host', () => {
    const a = store({ hostname: 'other-host', pid: 1 });
    a.leases.acquire('homelab', { holderId: 'remote', ttlMs: 1000 });
    const b = store();
    expect(() => b.leases.acquire('homelab')).toThrow(/remote/);
    clock += 1001;
    expect(b.leases.get('homelab')?.holderId).toBe('remote');
    expect(b.leases.acquire('homelab').holderId).not.toBe('remote');
  });

  it('is taken over at once from a dead process on this host', () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    const a = store({ pid: dead });
    a.leases.acquire('homelab', { holderId: 'ghost', ttlMs: 600_000 });
    const b = store();
    expect(b.leases.acquire('homelab', { holderId: 'me' }).holderId).toBe('me');
  });
});

describe('lease keepAlive', () => {
  it('keeps renewing on a real clock until released', async () => {
    const s = openStateStore(join(dir, 'real.db'));
    open.push(s);
    const lease = s.leases.acquire('homelab', { ttlMs: 300 });
    lease.keepAlive(50);
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(s.leases.get('homelab')!.expiresAt).toBeGreaterThan(Date.now());
    lease.release();
    expect(s.leases.get('homelab')).toBeUndefined();
  });
});

describe('events and certificates', () => {
  it('keeps history events and public certificate records', () => {
    const s = store();
    s.events.add({ type: 'apply.started', message: 'apply started', data: { guests: 5 } });
    s.events.add({ type: 'guest.created', address: 'guest.web', level: 'info', message: 'created' });
    expect(s.events.list({ address: 'guest.web' })).toMatchObject([{ type: 'guest.created' }]);
    expect(s.events.list()).toHaveLength(2);
    const cert = {
      name: 'gateway',
      serial: '01',
      subject: 'CN=gw',
      issuer: 'CN=ca',
      notBefore: 0,
      notAfter: 2_000_000,
      renewAt: 1_500_000,
      fingerprint: 'AB',
      pem: '-----BEGIN CERTIFICATE-----',
      status: 'active' as const,
    };
    s.certificates.put(cert);
    s.certificates.put({ ...cert, serial: '02' });
    expect(s.certificates.get('gateway')).toMatchObject({ serial: '02', renewAt: 1_500_000 });
    expect(s.certificates.due(1_400_000)).toEqual([]);
    expect(s.certificates.due(1_500_000).map((c) => c.name)).toEqual(['gateway']);
    expect(() => s.certificates.put({ ...cert, pem: '-----BEGIN PRIVATE KEY-----' })).toThrow(/never private keys/);
  });
});
