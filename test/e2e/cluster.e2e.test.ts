/**
 * Issue 16, "what it must show", on a three-node schema-validating simulator through the real
 * CLI: guests placed with `node: auto` (spread) and an anti-affinity group (Swarm manager and
 * worker on different nodes), VMs cloned across nodes from a template on local storage (one
 * per-node copy each), a second plan empty; a node taken offline: plan exits non-zero naming
 * it, its guests unknown and nothing created in their place, apply does the rest and exits
 * non-zero; the node back: the plan is empty again.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/config/__fixtures__/run-cli.ts';
import { startCluster, UBUNTU_TEMPLATE, type ClusterEnv } from './_cluster.ts';

const LXC_TEMPLATE = `
  - { name: debian-12, kind: lxc, storage: local, file: debian-12-standard_12.7-1_amd64.tar.zst }`;

function lxc(id: number, name: string, extra = ''): string {
  return `
  - id: ${id}
    name: ${name}
    type: lxc
    node: auto
    template: debian-12
    memory: 1024
    disk: { storage: local-zfs, size: 8 }
    net: [{ name: eth0, bridge: vmbr1, ip: 10.10.0.${id}/24, gateway: 10.10.0.1 }]${extra}`;
}

function vm(id: number, name: string, extra = ''): string {
  return `
  - id: ${id}
    name: ${name}
    type: vm
    node: auto
    clone: { from: ubuntu-noble }
    cores: 2
    memory: 8192
    disk: { storage: local-zfs, size: 32 }
    net: [{ name: net0, bridge: vmbr1, ip: 10.10.0.${(id % 200) + 20}/24, gateway: 10.10.0.1 }]${extra}`;
}

/** On pve1, its disk on shared storage, managed by PVE HA with a group preferring pve3. */
const HA_GUEST = `
  - id: 1003
    name: app
    type: vm
    node: pve1
    clone: { from: ubuntu-noble }
    memory: 2048
    disk: { storage: shared, size: 16 }
    net: [{ name: net0, bridge: vmbr1, ip: 10.10.0.33/24, gateway: 10.10.0.1 }]
    ha: { group: prefer-pve3, state: started }`;

let env: ClusterEnv;
let placed: Record<number, string> = {};

async function guestRows(): Promise<{ vmid: number; node: string; status: string }[]> {
  const phoenix = await env.open();
  try {
    return (await phoenix.client.cluster.resources('vm')).map((r) => ({
      vmid: Number(r.vmid),
      node: String(r.node),
      status: String(r.status),
    }));
  } finally {
    await phoenix.close();
  }
}

beforeAll(async () => {
  env = await startCluster({
    nodes: ['pve1', 'pve2', 'pve3'],
    cluster: `  placement:
    policy: spread
    antiAffinity:
      - { name: swarm, guests: [portainer, worker] }`,
    storage: `
  - { id: local, type: dir, path: /var/lib/vz, content: [vztmpl, iso, backup, snippets, import] }
  - { id: local-zfs, type: zfspool, pool: rpool/data, content: [images, rootdir] }
  - { id: shared, type: nfs, server: 10.10.0.1, export: /srv/guests, content: [images, rootdir] }`,
    host: `host:
  ha:
    groups:
      - { name: prefer-pve3, nodes: [{ node: pve3, priority: 2 }, { node: pve2, priority: 1 }] }`,
    templates: LXC_TEMPLATE + UBUNTU_TEMPLATE,
    guests:
      lxc(101, 'nginx-gateway') +
      lxc(102, 'traefik-internal') +
      lxc(103, 'step-ca') +
      vm(1001, 'portainer') +
      vm(1002, 'worker') +
      HA_GUEST,
  });
}, 60_000);
afterAll(async () => env?.cleanup());

describe('three nodes, node: auto with anti-affinity', () => {
  it('spreads the guests, keeps the Swarm pair apart, clones across nodes once each; a second plan is empty', async () => {
    const apply = await runCli(['apply', '-c', env.dir, '--auto-approve']);
    expect(apply.code, apply.stderr + apply.stdout).toBe(0);
    const rows = await guestRows();
    placed = Object.fromEntries(rows.map((r) => [r.vmid, r.node]));
    for (const id of [101, 102, 103, 1001, 1002, 1003]) expect(rows.filter((r) => r.vmid === id)).toHaveLength(1);
    expect(placed[1001]).not.toBe(placed[1002]);
    // Spread: every node holds a declared guest.
    expect(new Set([101, 102, 103, 1001, 1002].map((id) => placed[id]))).toEqual(new Set(['pve1', 'pve2', 'pve3']));
    // The VM away from pve1 came from a copy of template 9000 on its own node (local ZFS is not shared).
    for (const id of [1001, 1002]) {
      if (placed[id] === 'pve1') continue;
      const copies = rows.filter((r) => r.node === placed[id] && r.vmid > 9000 && r.vmid < 9100);
      expect(copies).toHaveLength(1);
    }
    const again = await runCli(['plan', '-c', env.dir, '--detailed-exitcode']);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toMatch(/No changes/i);
  });

  it('a node offline: plan exits non-zero naming it, its guests unknown; apply creates nothing in their place', async () => {
    const node = placed[1002] ?? '';
    const onIt = Object.entries(placed)
      .filter(([id, n]) => n === node && id !== '1003') // 1003 is HA-managed: PVE recovers it (next test)
      .map(([id]) => Number(id));
    env.sim.control.apply('node-offline', { node });
    try {
      const before = env.sim.requests.length;
      // A guest newly declared on the lost node: not created now, and not anywhere else either.
      const file = join(env.dir, 'phoenix.yaml');
      const config = readFileSync(file, 'utf8');
      writeFileSync(
        file,
        config.replace('guests:\n', `guests:\n${lxc(104, 'late').replace('node: auto', `node: ${node}`)}\n`),
      );
      const plan = await runCli(['plan', '-c', env.dir]);
      expect(plan.stdout).toContain(`node ${node} is unreachable: guest 104 declared there cannot be created now`);
      expect(plan.stdout).not.toMatch(/\+ .*guest\.104/);
      expect(plan.code).toBe(1);
      expect(plan.stdout).toContain(
        'Planning incomplete. Some resources could not be read (below); for the rest: 0 to add',
      );
      expect(plan.stdout + plan.stderr).toContain(`node ${node} is unreachable`);
      for (const id of onIt) expect(plan.stdout).not.toMatch(new RegExp(`\\+ .*guest\\.${id}\\b`));
      const status = await runCli(['status', '-c', env.dir, '--json']);
      expect(status.code).toBe(1);
      const statusRows = (JSON.parse(status.stdout) as { rows: { address: string; sync: string }[] }).rows;
      for (const id of onIt)
        expect(statusRows.find((r) => r.address === `guest.${id}`)?.sync, status.stdout).toBe('unknown');
      // Drift on a guest elsewhere: apply still repairs what does not depend on the lost node.
      const elsewhere = [101, 102, 103].find((id) => placed[id] !== node) ?? 0;
      env.sim.control.apply('set-config', { vmid: elsewhere, key: 'memory', value: 777 });
      const apply = await runCli(['apply', '-c', env.dir, '--auto-approve']);
      expect(apply.code, apply.stdout + apply.stderr).not.toBe(0);
      // Nothing asked the lost node again and again: one cluster read tells it is down.
      expect(env.sim.requests.slice(before).filter((r) => r.status === 595)).toEqual([]);
      expect(apply.stdout).toMatch(new RegExp(`~ .*guest\\.${elsewhere}`));
      const phoenix = await env.open();
      try {
        expect((await phoenix.client.lxc.config(placed[elsewhere] ?? '', elsewhere)).memory).toBe(1024);
      } finally {
        await phoenix.close();
      }
      expect(apply.stdout + apply.stderr).toContain(`node ${node} is unreachable`);
      const created = env.sim.requests
        .slice(before)
        .filter((r) => r.method === 'POST' && /\/(qemu|lxc)(\/\d+\/clone)?$/.test(r.path));
      expect(created).toEqual([]);
      const rows = await guestRows();
      for (const id of onIt) expect(rows.filter((r) => r.vmid === id)).toEqual([{ vmid: id, node, status: 'unknown' }]);
      writeFileSync(file, config);
    } finally {
      env.sim.control.apply('node-online', { node });
    }
    const back = await runCli(['plan', '-c', env.dir, '--detailed-exitcode']);
    expect(back.code, back.stdout + back.stderr).toBe(0);
  });

  it('an HA guest recovered by PVE on another node: followed by id, the next plan is empty (never a replacement)', async () => {
    const phoenix = await env.open();
    try {
      const ha = await phoenix.client.ha.resources();
      expect(ha.map((r) => [r.sid, r.state, r.group])).toEqual([['vm:1003', 'started', 'prefer-pve3']]);
      expect((await phoenix.client.ha.groups()).map((g) => [g.group, g.nodes])).toEqual([
        ['prefer-pve3', 'pve3:2,pve2:1'],
      ]);
    } finally {
      await phoenix.close();
    }
    const before = env.sim.requests.length;
    const from = (await guestRows()).find((r) => r.vmid === 1003)?.node ?? '';
    const result = env.sim.control.apply('node-offline', { node: from }) as { recovered: string[] };
    expect(result.recovered).toEqual(['vm:1003']);
    try {
      const plan = await runCli(['plan', '-c', env.dir]);
      // The node's other guests are unknown; the recovered guest is neither unknown nor re-created.
      expect(plan.stdout).toContain(`node ${from} is unreachable`);
      expect(plan.stdout).not.toMatch(/guest\.1003/);
    } finally {
      env.sim.control.apply('node-online', { node: from });
    }
    const rows = await guestRows();
    // The group's best online node: pve3 (priority 2), or pve2 when pve3 was the one that failed.
    const to = from === 'pve3' ? 'pve2' : 'pve3';
    expect(rows.filter((r) => r.vmid === 1003)).toEqual([{ vmid: 1003, node: to, status: 'running' }]);
    const plan = await runCli(['plan', '-c', env.dir, '--detailed-exitcode']);
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
    const apply = await runCli(['apply', '-c', env.dir, '--auto-approve']);
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    const writes = env.sim.requests
      .slice(before)
      .filter((r) => r.method !== 'GET' && !r.path.includes('phoenix-lease'));
    expect(writes).toEqual([]);
  });
});
