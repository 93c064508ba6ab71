import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStateStore, type StateStore } from '../state/index.ts';
import { EventBus } from './event-bus.ts';
import { Reconciler } from './reconciler.ts';
import { gitSource } from './source.ts';
import { FIXTURE, startGitopsEnv, type GitopsTestEnv } from './_test-env.ts';

let env: GitopsTestEnv | undefined;
let reconciler: Reconciler | undefined;
let store: StateStore | undefined;
afterEach(async () => {
  await reconciler?.stop();
  store?.close();
  await env?.cleanup();
  reconciler = undefined;
  store = undefined;
  env = undefined;
});

async function start(
  gitops = '',
  intervals = {},
): Promise<{ env: GitopsTestEnv; r: Reconciler; store: StateStore; bus: EventBus }> {
  env = await startGitopsEnv({ gitops });
  store = openStateStore(env.statePath);
  const bus = new EventBus();
  const source = gitSource({ url: env.repo.bare, branch: 'main', path: 'env', workDir: join(env.dir, 'source') });
  // Long intervals: the test drives every trigger itself.
  reconciler = new Reconciler({
    source,
    store,
    bus,
    openPhoenix: env.openPhoenix,
    intervalsMs: { poll: 3_600_000, selfHeal: 3_600_000, leaseRetry: 3_600_000, certificates: 3_600_000, ...intervals },
  });
  return { env, r: reconciler, store, bus };
}

const memory = (mib: number) => (yaml: string) =>
  yaml.replace(/name: app1\n(\s+)type: lxc\n(\s+)template: debian-12\n(\s+)memory: \d+/, (m) =>
    m.replace(/memory: \d+/, `memory: ${mib}`),
  );

describe('reconciler', () => {
  it('applies the first revision, then a commit changing a guest memory, recording history', async () => {
    const { env, r, store } = await start();
    const first = await r.start();
    expect(first?.outcome).toBe('succeeded');
    expect(await env.memoryOf(201)).toBe(512);
    const rev = await env.commitConfig(memory(768));
    const run = await r.trigger('poll');
    expect(run).toMatchObject({ outcome: 'succeeded', revision: rev, trigger: 'poll' });
    expect(run?.resources).toEqual([expect.objectContaining({ address: 'guest.201', outcome: 'updated' })]);
    expect(await env.memoryOf(201)).toBe(768);
    // Nothing new: a poll is only an ls-remote, no run recorded.
    expect(await r.trigger('poll')).toBeUndefined();
    expect(store.gitops.runs.list().map((x) => x.outcome)).toEqual(['succeeded', 'succeeded']);
    expect(
      r
        .snapshot()
        .rows.filter((x) => x.address.startsWith('guest.'))
        .map((x) => [x.address, x.sync]),
    ).toEqual([
      ['guest.201', 'in sync'],
      ['guest.202', 'in sync'],
    ]);
  });

  it('records an invalid commit with its located error, applies nothing, then applies the next good one', async () => {
    const { env, r } = await start();
    await r.start();
    const good = r.snapshot().revision;
    const bad = await env.commitConfig((y) => y.replace('memory: 512', 'memory: lots'));
    const since = env.sim.requests.length;
    const run = await r.trigger('webhook');
    expect(run).toMatchObject({ outcome: 'invalid', revision: bad });
    expect(run?.errors[0]).toMatchObject({ file: 'phoenix.yaml', line: expect.any(Number) as number });
    expect(env.mutating(since)).toEqual([]);
    expect(r.snapshot().revision).toBe(good);
    // Self-heal keeps reconciling the last good revision.
    expect((await r.trigger('self-heal'))?.revision).toBe(good);
    const fixed = await env.commitConfig((y) => y.replace('memory: lots', 'memory: 640'));
    expect(await r.trigger('poll')).toMatchObject({ outcome: 'succeeded', revision: fixed });
    expect(await env.memoryOf(201)).toBe(640);
  });

  it('reverts out-of-band drift on self-heal', async () => {
    const { env, r } = await start();
    await r.start();
    await env.sim.api('PUT', '/nodes/pve/lxc/202/config', { memory: 2048 });
    expect((await r.trigger('self-heal'))?.outcome).toBe('succeeded');
    expect(await env.memoryOf(202)).toBe(512);
  });

  it('holds a guest removed from git (prune: hold) and deletes it only when approved', async () => {
    const { env, r, store } = await start();
    await r.start();
    await env.commitConfig((y) => y.slice(0, y.indexOf('  - id: 202')));
    // From here (the first apply released its target lease, a DELETE of the lease alias).
    const before = env.sim.requests.length;
    const run = await r.trigger('poll');
    expect(run?.outcome).toBe('held');
    expect(env.mutating(before)).toEqual([]);
    expect((await env.sim.api('GET', '/nodes/pve/lxc/202/status/current')).status).toBe(200);
    const [hold] = store.gitops.holds.list('pending');
    expect(hold?.reason).toBe('prune');
    // Polling again keeps the same hold (no pile of duplicates).
    await r.trigger('api');
    expect(store.gitops.holds.list('pending').map((h) => h.id)).toEqual([hold?.id]);
    const approved = await r.approve(hold!.id, 'test');
    expect(approved?.outcome).toBe('succeeded');
    expect((await env.sim.api('GET', '/nodes/pve/lxc/202/status/current')).status).not.toBe(200);
    expect(store.gitops.holds.get(hold!.id)?.status).toBe('applied');
  });

  it('with autoSync off holds the plan; rejecting it applies nothing', async () => {
    const { env, r, store } = await start('gitops:\n  autoSync: false\n');
    const first = await r.start();
    expect(first?.outcome).toBe('held');
    expect(env.mutating()).toEqual([]);
    const [hold] = store.gitops.holds.list('pending');
    r.reject(hold!.id, 'test');
    expect(() => r.reject(hold!.id)).toThrow(/rejected/);
    expect(env.mutating()).toEqual([]);
  });

  it('never applies beside a CLI apply holding the lease', async () => {
    const { env, r } = await start();
    const other = openStateStore(env.statePath, { context: { pid: process.ppid } });
    const phoenix = await env.openPhoenix(FIXTURE);
    const lease = other.leases.acquire(phoenix.environment, { holderId: 'cli-apply' });
    await phoenix.close();
    const run = await r.start();
    expect(run?.outcome).toBe('blocked');
    expect(run?.message).toMatch(/locked by cli-apply/);
    expect(env.mutating()).toEqual([]);
    lease.release();
    other.close();
  });

  it('starts a run, once, for a certificate past its renewal time without waiting for a commit', async () => {
    const { r, store, bus } = await start('', { certificates: 50 });
    await r.start();
    const runs: string[] = [];
    bus.subscribe((e) => {
      if (e.type === 'run.started') runs.push(String(e.data.trigger));
    });
    store.certificates.put({
      name: 'gateway',
      serial: '42',
      subject: 'CN=gateway',
      issuer: 'CN=ca',
      notBefore: Date.now() - 1000,
      notAfter: Date.now() + 3_600_000,
      renewAt: Date.now() - 1,
      fingerprint: 'x',
      pem: '-----BEGIN CERTIFICATE-----\nMA==\n-----END CERTIFICATE-----\n',
      status: 'active',
    });
    const until = Date.now() + 5_000;
    while (!runs.includes('renewal') && Date.now() < until) await new Promise((res) => setTimeout(res, 20));
    await new Promise((res) => setTimeout(res, 300));
    expect(runs.filter((t) => t === 'renewal')).toEqual(['renewal']);
  });
});
