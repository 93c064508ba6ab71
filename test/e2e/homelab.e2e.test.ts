/**
 * examples/homelab against the real simulator over HTTP: apply creates every guest with exactly
 * the declared config; a second plan has no changes and a second apply sends zero mutating
 * requests; an out-of-band change shows up as exactly that attribute and apply reverts it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { applyPlan, planEnvironment, prepareSaved } from '../../src/app/operations.ts';
import { loadPlan, planHasChanges, savePlan } from '../../src/engine/index.ts';
import { startE2e, type E2eEnv } from './_harness.ts';

let env: E2eEnv | undefined;
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

function failures(result: Awaited<ReturnType<typeof applyPlan>>): string[] {
  return [...result.outcomes.values()]
    .filter((o) => o.outcome === 'failed' || o.outcome === 'skipped')
    .map((o) => `${o.address}: ${o.outcome} ${(o.error as Error | undefined)?.message ?? o.reason ?? ''}`);
}

describe('homelab end to end (HTTP simulator)', () => {
  it('creates every guest as declared, then plans no changes and sends zero mutating requests', async () => {
    env = await startE2e();
    const phoenix = await env.open();
    try {
      const first = await planEnvironment(phoenix);
      expect(
        first.plan.changes
          .filter((c) => c.action === 'create' && !c.kind.startsWith('pve.')) // host objects: test/e2e/host.test.ts
          .map((c) => c.address)
          .sort(),
      ).toEqual([
        'guest.1001',
        'guest.1002',
        'guest.101',
        'guest.102',
        'guest.103',
        'guest.9000',
        'template.ubuntu-noble.pve',
      ]);
      const result = await applyPlan(phoenix, first);
      expect(failures(result)).toEqual([]);

      const c = phoenix.client;
      const gw = await c.lxc.config('pve', 101);
      expect(gw).toMatchObject({
        hostname: 'nginx-gateway',
        cores: 1,
        memory: 512,
        swap: 512,
        onboot: 1,
        unprivileged: 1,
      });
      expect(String(gw.net0)).toMatch(/bridge=vmbr0/);
      expect(String(gw.net0)).toMatch(/firewall=1/);
      expect(String(gw.net1)).toMatch(/ip=10\.10\.0\.101\/24/);
      expect(String(gw.features)).toBe('nesting=1');
      // The ownership tags: managed, and by this environment.
      expect(String(gw.tags).split(';').sort()).toEqual([
        'phoenix',
        `phoenix-env-${phoenix.identity.id}`,
        'phoenix-managed',
      ]);
      const ca = await c.lxc.config('pve', 103);
      expect(String(ca.mp0)).toMatch(/mp=\/var\/lib\/step-ca/);
      expect(ca.description).toBe('Step-CA (ACME + JWK provisioners)');
      expect((await c.lxc.snapshots('pve', 103)).map((s) => s.name)).toContain('bootstrap');
      const rules = await c.firewall.rules({ level: 'guest', node: 'pve', kind: 'lxc', vmid: 101 });
      expect(rules.map((r) => r.dport)).toEqual(['443', '80', '22']);
      const worker = await c.qemu.config('pve', 1002);
      expect(worker).toMatchObject({ name: 'worker', cores: 4, ciuser: 'admin' });
      expect(String(worker.ipconfig0)).toMatch(/ip=10\.10\.0\.12\/24/);
      expect(String(worker.net0)).toMatch(/BC:24:11:0A:10:02/i);
      expect(String(worker.sshkeys)).toMatch(/^ssh-ed25519%20AAAA/);
      expect(String(worker.scsi0)).toMatch(/size=64G/);
      expect(Number((await c.qemu.config('pve', 9000)).template)).toBe(1);
      for (const vmid of [101, 102, 103]) expect((await c.lxc.status('pve', vmid)).status).toBe('running');
      for (const vmid of [1001, 1002]) expect((await c.qemu.status('pve', vmid)).status).toBe('running');

      const second = await planEnvironment(phoenix);
      expect(second.plan.changes.filter((ch) => ch.action !== 'noop').map((ch) => [ch.address, ch.reasons])).toEqual(
        [],
      );
      const mark = env.sim.requests.length;
      const again = await applyPlan(phoenix, second);
      expect(failures(again)).toEqual([]);
      expect(env.mutating(mark)).toEqual([]);
    } finally {
      await phoenix.close();
    }
  });

  it('shows an out-of-band change as exactly that attribute and reverts it', async () => {
    env = await startE2e();
    const phoenix = await env.open();
    try {
      expect(failures(await applyPlan(phoenix, await planEnvironment(phoenix)))).toEqual([]);
      env.sim.control.apply('set-config', { vmid: 102, key: 'memory', value: 2048 });
      const drifted = await planEnvironment(phoenix);
      const changed = drifted.plan.changes.filter((ch) => ch.action !== 'noop');
      expect(changed.map((ch) => ch.address)).toEqual(['guest.102']);
      expect(changed[0]?.attributes).toEqual([{ path: 'memory', before: 2048, after: 1024 }]);
      expect(drifted.plan.drift).toEqual([{ address: 'guest.102', kind: 'proxmox.guest', paths: ['memory'] }]);
      expect(failures(await applyPlan(phoenix, drifted))).toEqual([]);
      expect((await phoenix.client.lxc.config('pve', 102)).memory).toBe(1024);
      expect(planHasChanges((await planEnvironment(phoenix)).plan)).toBe(false);
    } finally {
      await phoenix.close();
    }
  });

  it('refuses a saved plan whose observations changed (stale plan), applies a fresh one', async () => {
    env = await startE2e();
    const phoenix = await env.open();
    try {
      expect(failures(await applyPlan(phoenix, await planEnvironment(phoenix)))).toEqual([]);
      env.sim.control.apply('set-config', { vmid: 101, key: 'cores', value: 3 });
      const file = join(env.configDir, 'plan.json');
      await savePlan((await planEnvironment(phoenix)).plan, file);
      env.sim.control.apply('set-config', { vmid: 101, key: 'cores', value: 4 });
      await expect(prepareSaved(phoenix, await loadPlan(file))).rejects.toMatchObject({
        code: 'E_STALE_PLAN',
        detail: expect.stringMatching(/^guest\.101: /),
      });
      const mark = env.sim.requests.length;
      expect(env.mutating(mark)).toEqual([]);
      await savePlan((await planEnvironment(phoenix)).plan, file);
      const fresh = await prepareSaved(phoenix, await loadPlan(file));
      expect(failures(await applyPlan(phoenix, fresh))).toEqual([]);
      expect((await phoenix.client.lxc.config('pve', 101)).cores).toBe(1);
    } finally {
      await phoenix.close();
    }
  });

  it('refuses a second apply on the same environment while the first holds the lease', async () => {
    env = await startE2e();
    const first = await env.open();
    const second = await env.open();
    try {
      const lease = first.state().leases.acquire(first.environment);
      try {
        await expect(applyPlan(second, await planEnvironment(second))).rejects.toMatchObject({
          code: expect.stringMatching(/LEASE/),
          message: expect.stringMatching(/is locked by phoenix@/),
        });
        expect(env.mutating()).toEqual([]);
      } finally {
        lease.release();
      }
      expect(failures(await applyPlan(second, await planEnvironment(second)))).toEqual([]);
    } finally {
      await first.close();
      await second.close();
    }
  });
});
