/**
 * `node: auto` with a node down (issue 16): a guest declared now is placed on an online node
 * (the cluster is asked only because a guest needs a node), never on the offline one; guests
 * already placed never move; with every node down, the plan fails naming the guest.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/config/__fixtures__/run-cli.ts';
import { startCluster, type ClusterEnv } from './_cluster.ts';

const NODES = ['pve1', 'pve2', 'pve3'];

function ct(id: number): string {
  return `
  - id: ${id}
    name: ct-${id}
    type: lxc
    node: auto
    template: debian-12
    memory: 1024
    disk: { storage: local-zfs, size: 4 }
    net: [{ name: eth0, bridge: vmbr1, ip: 10.10.0.${id - 80}/24, gateway: 10.10.0.1 }]`;
}

let env: ClusterEnv;
let file: string;

async function nodesOf(): Promise<Map<number, string>> {
  const phoenix = await env.open();
  try {
    return new Map((await phoenix.client.cluster.resources('vm')).map((r) => [Number(r.vmid), String(r.node)]));
  } finally {
    await phoenix.close();
  }
}

beforeAll(async () => {
  env = await startCluster({
    nodes: NODES,
    cluster: '  placement: { policy: spread }',
    templates: '  - { name: debian-12, kind: lxc, storage: local, file: debian-12-standard_12.7-1_amd64.tar.zst }',
    guests: ct(101) + ct(102) + ct(103),
  });
  file = join(env.dir, 'phoenix.yaml');
}, 60_000);
afterAll(async () => env?.cleanup());

describe('node: auto with a node offline', () => {
  it('places a new guest on an online node; the placed ones stay', async () => {
    const first = await runCli(['apply', '-c', env.dir, '--auto-approve']);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const before = await nodesOf();
    expect(new Set([101, 102, 103].map((id) => before.get(id)))).toEqual(new Set(NODES));
    // Spread over equal nodes: the next guest would go to the first node; take that one down.
    const down = 'pve1';
    env.sim.control.apply('node-offline', { node: down });
    try {
      writeFileSync(file, readFileSync(file, 'utf8').replace('guests:\n', `guests:\n${ct(104)}\n`));
      const apply = await runCli(['apply', '-c', env.dir, '--auto-approve']);
      // The guests on the lost node are unknown: apply does the rest and exits non-zero naming it.
      expect(apply.code, apply.stdout + apply.stderr).not.toBe(0);
      expect(apply.stdout + apply.stderr).toContain(`node ${down} is unreachable`);
      expect(apply.stdout).toMatch(/\+ .*guest\.104/);
      const after = await nodesOf();
      expect(after.get(104)).toBeDefined();
      expect(after.get(104)).not.toBe(down);
      for (const id of [101, 102, 103]) expect(after.get(id)).toBe(before.get(id));
    } finally {
      env.sim.control.apply('node-online', { node: down });
    }
    // The decision was recorded: with the node back, 104 stays where it was placed.
    const again = await runCli(['plan', '-c', env.dir, '--detailed-exitcode']);
    expect(again.code, again.stdout + again.stderr).toBe(0);
  });

  it('every node offline: the plan fails naming the new guest, nothing is created', async () => {
    for (const node of NODES) env.sim.control.apply('node-offline', { node });
    try {
      const before = env.sim.requests.length;
      writeFileSync(file, readFileSync(file, 'utf8').replace('guests:\n', `guests:\n${ct(105)}\n`));
      const plan = await runCli(['plan', '-c', env.dir]);
      expect(plan.code).not.toBe(0);
      expect(plan.stdout + plan.stderr).toContain(
        'guest 105 cannot be placed: every node is offline (pve1, pve2, pve3)',
      );
      expect(plan.stdout + plan.stderr).not.toMatch(/at .*\.ts:\d+/);
      expect(env.sim.requests.slice(before).filter((r) => r.method !== 'GET')).toEqual([]);
    } finally {
      for (const node of NODES) env.sim.control.apply('node-online', { node });
    }
  });
});
