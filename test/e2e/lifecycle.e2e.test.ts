/**
 * Lifecycle rules end to end (HTTP simulator, one applied homelab shared by the cases in order):
 * cloud-init policy, --target, prune of a guest that left the config, a guest moved to another
 * node (same guest, never replaced), and destroy (protected guests refused, clones before their
 * template).
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planDestroy } from '../../src/app/destroy.ts';
import { applyPlan, planEnvironment } from '../../src/app/operations.ts';
import { startE2e, type E2eEnv } from './_harness.ts';

let env: E2eEnv;

beforeAll(async () => {
  env = await startE2e();
  const phoenix = await env.open();
  try {
    const result = await applyPlan(phoenix, await planEnvironment(phoenix));
    if (!result.succeeded) throw new Error('setup apply failed');
  } finally {
    await phoenix.close();
  }
});
afterAll(async () => env.cleanup());

const active = (plan: { changes: { action: string; address: string }[] }) =>
  plan.changes.filter((c) => c.action !== 'noop').map((c) => `${c.action} ${c.address}`);

describe('lifecycle rules', () => {
  it('cloud-init change on a running VM: regenerated and restarted (policy restart)', async () => {
    env.sim.control.apply('set-config', { vmid: 1002, key: 'ciuser', value: 'root' });
    const phoenix = await env.open();
    try {
      const planned = await planEnvironment(phoenix);
      expect(active(planned.plan)).toEqual(['update-restart guest.1002']);
      const mark = env.sim.requests.length;
      expect((await applyPlan(phoenix, planned)).succeeded).toBe(true);
      const calls = env.mutating(mark).map((r) => `${r.method} ${r.path.replace(/^\/api2\/json/, '')}`);
      expect(calls).toContain('PUT /nodes/pve/qemu/1002/cloudinit');
      // A clean shutdown, never a hard power-off (issue 8).
      expect(calls).toContain('POST /nodes/pve/qemu/1002/status/shutdown');
      expect(calls).not.toContain('POST /nodes/pve/qemu/1002/status/stop');
      expect(calls).toContain('POST /nodes/pve/qemu/1002/status/start');
      expect((await phoenix.client.qemu.config('pve', 1002)).ciuser).toBe('admin');
    } finally {
      await phoenix.close();
    }
  });

  it('a larger declared disk is grown in place (resize), never replaced', async () => {
    const file = join(env.configDir, 'phoenix.yaml');
    const original = readFileSync(file, 'utf8');
    writeFileSync(
      file,
      original.replace('disk: { storage: local-zfs, size: 8 }', 'disk: { storage: local-zfs, size: 10 }'),
    );
    const phoenix = await env.open();
    try {
      const planned = await planEnvironment(phoenix);
      const guests = planned.plan.changes.filter((c) => c.action !== 'noop' && c.address.startsWith('guest.'));
      expect(
        guests
          .map((c) => `${c.action} ${c.address} ${c.attributes.map((a) => `${a.path}=${String(a.after)}`).join(',')}`)
          .sort(),
      ).toEqual([
        'update guest.101 rootfs.size=10G',
        'update guest.102 rootfs.size=10G',
        'update guest.103 rootfs.size=10G',
      ]);
      const mark = env.sim.requests.length;
      expect((await applyPlan(phoenix, planned)).succeeded).toBe(true);
      const resizes = env.mutating(mark).filter((r) => /\/resize$/.test(r.path));
      expect(resizes).toHaveLength(3);
      expect(String((await phoenix.client.lxc.config('pve', 103)).rootfs)).toMatch(/size=10G/);
    } finally {
      // The config keeps 10 GiB: going back to 8 would be a shrink, which needs a new guest.
      await phoenix.close();
    }
  });

  it('--target limits the plan to a guest and its dependencies', async () => {
    env.sim.control.apply('set-config', { vmid: 101, key: 'memory', value: 999 });
    env.sim.control.apply('set-config', { vmid: 102, key: 'memory', value: 999 });
    const phoenix = await env.open();
    try {
      const planned = await planEnvironment(phoenix, { targets: ['nginx-gateway'] });
      expect(active(planned.plan)).toEqual(['update guest.101']);
      const considered = planned.plan.changes.map((c) => c.address).filter((a) => /^(guest|template)\./.test(a));
      expect(considered.sort()).toEqual(['guest.101', 'guest.103', 'template.debian-12.pve']);
      expect((await applyPlan(phoenix, planned)).succeeded).toBe(true);
      expect(active((await planEnvironment(phoenix)).plan)).toEqual(['update guest.102']);
      expect((await applyPlan(phoenix, await planEnvironment(phoenix))).succeeded).toBe(true);
    } finally {
      await phoenix.close();
    }
  });

  it('a managed guest that left the config is kept without --prune and deleted with it', async () => {
    const extra = join(env.configDir, 'guests', 'extra.yaml');
    writeFileSync(
      extra,
      'guests:\n  - { id: 150, name: scratch, type: lxc, template: debian-12, net: [{ name: eth0, bridge: vmbr1, ip: 10.10.0.150/24 }] }\n',
    );
    let phoenix = await env.open();
    try {
      expect((await applyPlan(phoenix, await planEnvironment(phoenix))).succeeded).toBe(true);
    } finally {
      await phoenix.close();
    }
    rmSync(extra);
    phoenix = await env.open();
    try {
      const kept = await planEnvironment(phoenix);
      expect(active(kept.plan)).toEqual([]);
      expect(kept.plan.diagnostics.map((d) => `${d.code} ${d.address}`)).toContain('W_NOT_IN_CONFIG guest.150');
      const pruned = await planEnvironment(phoenix, { prune: true });
      expect(active(pruned.plan)).toEqual(['delete guest.150']);
      expect((await applyPlan(phoenix, pruned)).succeeded).toBe(true);
      expect((await phoenix.client.cluster.resources('vm')).map((r) => Number(r.vmid))).not.toContain(150);
    } finally {
      await phoenix.close();
    }
  });

  it('destroy refuses protected guests and deletes clones before their template', async () => {
    const phoenix = await env.open();
    try {
      const { planned, refused } = await planDestroy(phoenix);
      expect(refused).toEqual(['guest.103']);
      const mark = env.sim.requests.length;
      expect((await applyPlan(phoenix, planned)).succeeded).toBe(true);
      const deletes = env
        .mutating(mark)
        .filter((r) => r.method === 'DELETE' && /\/(lxc|qemu)\/\d+$/.test(r.path))
        .map((r) => Number(/(\d+)$/.exec(r.path)?.[1]));
      expect(deletes.indexOf(9000)).toBeGreaterThan(deletes.indexOf(1001));
      expect(deletes.indexOf(9000)).toBeGreaterThan(deletes.indexOf(1002));
      const left = (await phoenix.client.cluster.resources('vm')).map((r) => Number(r.vmid)).sort((a, b) => a - b);
      expect(left).toEqual([103]);
    } finally {
      await phoenix.close();
    }
  });
});

describe('a guest found on another node', () => {
  it('is the same guest: reported as moved, managed where it is, never replaced', async () => {
    const moved = await startE2e({ extraNodes: ['pve2'] });
    try {
      const phoenix = await moved.open();
      try {
        expect((await applyPlan(phoenix, await planEnvironment(phoenix))).succeeded).toBe(true);
        // A migration done behind Phoenix's back (the model's own record of where the guest lives).
        const model = moved.sim.control.model as unknown as { context: { guests: Map<number, { node: string }> } };
        const guest = model.context.guests.get(102);
        expect(guest).toBeDefined();
        if (guest) guest.node = 'pve2';
        moved.sim.control.apply('set-config', { vmid: 102, key: 'memory', value: 777 });
        const planned = await planEnvironment(phoenix);
        const change = planned.plan.changes.find((c) => c.address === 'guest.102');
        expect(change?.action).toBe('update');
        expect(change?.reasons.join(' ')).toMatch(/runs on node pve2, declared on pve/);
        expect(active(planned.plan)).toEqual(['update guest.102']);
        expect((await applyPlan(phoenix, planned)).succeeded).toBe(true);
        expect((await phoenix.client.lxc.config('pve2', 102)).memory).toBe(1024);
        expect(active((await planEnvironment(phoenix)).plan)).toEqual([]);
      } finally {
        await phoenix.close();
      }
    } finally {
      await moved.cleanup();
    }
  });
});

describe('OS template missing on the storage', () => {
  it('is downloaded through the appliance index (aplinfo) before the containers that need it', async () => {
    const bare = await startE2e({ osTemplates: [] });
    try {
      const phoenix = await bare.open();
      try {
        const planned = await planEnvironment(phoenix);
        expect(active(planned.plan)).toContain('create template.debian-12.pve');
        expect((await applyPlan(phoenix, planned)).succeeded).toBe(true);
        const calls = bare.mutating().map((r) => `${r.method} ${r.path.replace(/^\/api2\/json/, '')}`);
        const download = calls.indexOf('POST /nodes/pve/aplinfo');
        expect(download).toBeGreaterThanOrEqual(0);
        expect(download).toBeLessThan(calls.indexOf('POST /nodes/pve/lxc'));
        const content = await phoenix.client.storage.content('pve', 'local', { content: 'vztmpl' });
        expect(content.map((c) => c.volid)).toContain('local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst');
        expect(active((await planEnvironment(phoenix)).plan)).toEqual([]);
      } finally {
        await phoenix.close();
      }
    } finally {
      await bare.cleanup();
    }
  });
});
