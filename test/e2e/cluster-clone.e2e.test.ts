/**
 * Issue 16, the reported bug: VM 1002 declared on pve2, cloned from template 9000 on pve1 whose
 * disk is on local ZFS. PVE refuses a clone to another node from local storage; Phoenix used to
 * clone onto pve1 (the simulator ignored `target`), lose the guest while configuring it on
 * pve2, and exit 0. Now `validate` says how the clone is made (a per-node template copy, or a
 * clone straight to the node from shared storage), the guest exists once on its declared node,
 * and a failing apply exits non-zero.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/config/__fixtures__/run-cli.ts';
import { startCluster, UBUNTU_TEMPLATE, vmGuest } from './_cluster.ts';

function lineOf(dir: string, needle: string, after = 0): number {
  const lines = readFileSync(join(dir, 'phoenix.yaml'), 'utf8').split('\n');
  return lines.findIndex((l, i) => i >= after && l.includes(needle)) + 1;
}

describe('a VM cloned on pve2 from a template on local storage on pve1', () => {
  it('validate names the per-node copy and why; apply makes 1002 once, on pve2; the next plan is empty', async () => {
    const env = await startCluster({
      nodes: ['pve1', 'pve2'],
      templates: UBUNTU_TEMPLATE,
      guests: vmGuest(1001, 'portainer', 'pve1') + vmGuest(1002, 'worker', 'pve2'),
    });
    try {
      const validate = await runCli(['validate', env.dir]);
      expect(validate.code, validate.stderr).toBe(0);
      const line = lineOf(env.dir, 'node: pve2', lineOf(env.dir, 'id: 1002'));
      expect(validate.stderr).toMatch(
        new RegExp(
          `phoenix\\.yaml:${line}:\\d+: warning: guest 1002 on pve2 will be cloned from template copy 9001 on pve2, not from 9000 on pve1: storage "local-zfs" of source 9000 is not shared`,
        ),
      );
      const before = env.sim.requests.length;
      const apply = await runCli(['apply', '-c', env.dir, '--auto-approve']);
      expect(apply.code, apply.stderr + apply.stdout).toBe(0);
      const rows = (await (await env.open()).client.cluster.resources('vm')).filter((r) => r.type === 'qemu');
      const where = Object.fromEntries(rows.map((r) => [Number(r.vmid), r.node]));
      expect(where).toEqual({ 9000: 'pve1', 9001: 'pve2', 1001: 'pve1', 1002: 'pve2' });
      expect(rows.filter((r) => Number(r.vmid) === 1002)).toHaveLength(1);
      const clones = env.sim.requests
        .slice(before)
        .filter((r) => r.method === 'POST' && r.path.endsWith('/clone'))
        .map((r) => r.path.replace(/^\/api2\/json/, ''));
      expect(clones.sort()).toEqual(['/nodes/pve1/qemu/9000/clone', '/nodes/pve2/qemu/9001/clone']);
      // Nothing was ever made on the wrong node and removed again.
      const deletes = env.sim.requests
        .slice(before)
        .filter((r) => r.method === 'DELETE' && /\/(qemu|lxc)\//.test(r.path));
      expect(deletes).toEqual([]);
      const plan = await runCli(['plan', '-c', env.dir, '--detailed-exitcode']);
      expect(plan.code, plan.stdout + plan.stderr).toBe(0);
    } finally {
      await env.cleanup();
    }
  });

  it('from shared storage: validate says PVE clones straight to pve2, and apply passes target', async () => {
    const env = await startCluster({
      nodes: ['pve1', 'pve2'],
      storage: `
  - { id: local, type: dir, path: /var/lib/vz, content: [vztmpl, iso, backup, snippets, import] }
  - { id: local-zfs, type: nfs, server: 10.10.0.1, export: /srv/images, content: [images, rootdir] }`,
      templates: UBUNTU_TEMPLATE,
      guests: vmGuest(1002, 'worker', 'pve2'),
    });
    try {
      const validate = await runCli(['validate', env.dir]);
      expect(validate.code, validate.stderr).toBe(0);
      expect(validate.stderr).toMatch(
        /warning: guest 1002 is cloned from 9000 on pve1 straight to pve2: its source 9000 on pve1 is on shared storage \(local-zfs\)/,
      );
      const before = env.sim.requests.length;
      const apply = await runCli(['apply', '-c', env.dir, '--auto-approve']);
      expect(apply.code, apply.stderr + apply.stdout).toBe(0);
      const clone = env.sim.requests.slice(before).filter((r) => r.method === 'POST' && r.path.endsWith('/clone'));
      expect(clone.map((r) => r.path.replace(/^\/api2\/json/, ''))).toEqual(['/nodes/pve1/qemu/9000/clone']);
      const rows = (await (await env.open()).client.cluster.resources('vm')).filter((r) => Number(r.vmid) === 1002);
      expect(rows.map((r) => r.node)).toEqual(['pve2']);
    } finally {
      await env.cleanup();
    }
  });
});
