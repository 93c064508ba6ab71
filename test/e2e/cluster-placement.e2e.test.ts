/**
 * Issue 16, placement is decided once: `node: auto` guests keep their node when the config
 * changes (a new guest, another policy); `plan --rebalance` shows the moves the policy would
 * make now, as migrations, and `apply --rebalance` makes them with PVE migrations (never a
 * replacement); afterwards plain plans are empty.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/config/__fixtures__/run-cli.ts';
import { startCluster, type ClusterEnv } from './_cluster.ts';

const LXC_TEMPLATE = `
  - { name: debian-12, kind: lxc, storage: local, file: debian-12-standard_12.7-1_amd64.tar.zst }`;

function lxc(id: number, memory: number): string {
  return `
  - id: ${id}
    name: ct-${id}
    type: lxc
    node: auto
    template: debian-12
    memory: ${memory}
    disk: { storage: local-zfs, size: 8 }
    net: [{ name: eth0, bridge: vmbr1, ip: 10.10.0.${id - 100}/24, gateway: 10.10.0.1 }]`;
}

let env: ClusterEnv;

async function nodesOf(): Promise<Record<number, string>> {
  const phoenix = await env.open();
  try {
    const rows = await phoenix.client.cluster.resources('vm');
    return Object.fromEntries(rows.map((r) => [Number(r.vmid), String(r.node)]));
  } finally {
    await phoenix.close();
  }
}

function edit(from: string, to: string): void {
  const file = join(env.dir, 'phoenix.yaml');
  const text = readFileSync(file, 'utf8');
  expect(text).toContain(from);
  writeFileSync(file, text.replace(from, to));
}

beforeAll(async () => {
  env = await startCluster({
    nodes: ['pve1', 'pve2', 'pve3'],
    cluster: '  placement: { policy: spread }',
    templates: LXC_TEMPLATE,
    guests: lxc(111, 4096) + lxc(112, 4096),
  });
}, 60_000);
afterAll(async () => env?.cleanup());

describe('node: auto is decided once', () => {
  it('keeps earlier decisions when guests are added; --rebalance shows and makes migrations', async () => {
    const first = await runCli(['apply', '-c', env.dir, '--auto-approve']);
    expect(first.code, first.stderr + first.stdout).toBe(0);
    const placed = await nodesOf();
    expect([placed[111], placed[112]]).toEqual(['pve1', 'pve2']);

    // A bigger guest declared first would change a from-scratch spread; the recorded nodes hold.
    edit('guests:\n', `guests:\n${lxc(110, 16384)}\n`);
    const plan = await runCli(['plan', '-c', env.dir, '--json']);
    const changes = (JSON.parse(plan.stdout) as { changes: { address: string; action: string }[] }).changes;
    expect(changes.filter((c) => c.action !== 'noop').map((c) => `${c.action} ${c.address}`)).toEqual([
      'create guest.110',
    ]);
    const add = await runCli(['apply', '-c', env.dir, '--auto-approve']);
    expect(add.code, add.stderr + add.stdout).toBe(0);
    const after = await nodesOf();
    expect([after[111], after[112], after[110]]).toEqual(['pve1', 'pve2', 'pve3']);

    // Pack would put everything on pve1: only --rebalance says so, as migrations.
    edit('policy: spread', 'policy: pack');
    const quiet = await runCli(['plan', '-c', env.dir, '--detailed-exitcode']);
    expect(quiet.code, quiet.stdout).toBe(0);
    const rebalance = await runCli(['plan', '-c', env.dir, '--rebalance', '--json']);
    const moves = (
      JSON.parse(rebalance.stdout) as { changes: { address: string; action: string; reasons: string[] }[] }
    ).changes.filter((c) => c.action !== 'noop');
    expect(moves.map((c) => c.action)).not.toContain('replace');
    expect(moves.length).toBeGreaterThan(0);
    for (const m of moves)
      expect(m.reasons.join(' ')).toMatch(
        /^node: "pve\d" → "pve1" \(rebalance: migrated in restart mode, never replaced\)/,
      );

    const before = env.sim.requests.length;
    const apply = await runCli(['apply', '-c', env.dir, '--rebalance', '--auto-approve']);
    expect(apply.code, apply.stderr + apply.stdout).toBe(0);
    const writes = env.sim.requests.slice(before).filter((r) => r.method === 'POST' || r.method === 'DELETE');
    expect(writes.filter((r) => r.method === 'DELETE' && /\/lxc\/\d+$/.test(r.path))).toEqual([]);
    expect(writes.filter((r) => r.path.endsWith('/migrate'))).toHaveLength(moves.length);
    expect(Object.values(await nodesOf())).toEqual(['pve1', 'pve1', 'pve1']);
    const done = await runCli(['plan', '-c', env.dir, '--detailed-exitcode']);
    expect(done.code, done.stdout).toBe(0);
  });
});
