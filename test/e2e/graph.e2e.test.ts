/**
 * `phoenix graph` prints exactly the resources and edges `apply` walks (issue 10): for
 * examples/homelab on the built-in simulator (node shell included), the graph's nodes and
 * edges equal the apply graph of the first apply's plan. And the config directory defaults
 * to the current one; `phoenix up` without a phoenix.yaml there uses the bundled example and
 * says so.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPhoenix } from '../../src/app/create-phoenix.ts';
import { planEnvironment } from '../../src/app/operations.ts';
import { runCli } from '../../src/config/__fixtures__/run-cli.ts';
import { buildApplyGraph } from '../../src/engine/index.ts';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'phoenix-graph-'));
  cpSync('examples/homelab', dir, { recursive: true, filter: (src) => !src.includes('.phoenix') });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('phoenix graph', () => {
  it('prints exactly the resources and edges apply walks for examples/homelab', async () => {
    const r = await runCli(['graph', '-c', dir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const printed = JSON.parse(r.stdout) as { nodes: string[]; edges: [string, string][] };
    // The gateway's nginx waits for the certificate it serves (issued by the pki provider).
    expect(printed.edges).toContainEqual(['gateway.101.nginx', 'cert.gateway-edge']);

    const phoenix = await createPhoenix({ configDir: dir, simulator: { speed: 0, ephemeral: true } });
    try {
      const planned = await planEnvironment(phoenix);
      expect(planned.plan.errored).toBe(false);
      // Every section the example declares has a provider now: no "not managed" warning.
      expect(planned.plan.diagnostics).not.toContainEqual(expect.objectContaining({ code: 'W_NOT_MANAGED' }));
      // Every declared resource is a change of the plan (creates, and noops for what exists).
      expect(planned.plan.changes).toHaveLength(phoenix.resources.length);
      const { graph } = buildApplyGraph({ changes: planned.plan.changes, keepNoops: true });
      expect(printed.nodes).toEqual(graph.nodes().sort());
      const key = (e: [string, string]) => e.join(' -> ');
      expect(printed.edges.map(key).sort()).toEqual(graph.edges().map(key).sort());
    } finally {
      await phoenix.close();
    }
    // Every kind is there, not only guests: host objects and the node shell's DNS and NFS.
    for (const address of ['guest.1002', 'bridge.pve.vmbr1', 'storage.local-zfs', 'node.pve.dns', 'node.pve.nfs'])
      expect(printed.nodes).toContain(address);
    expect(printed.edges).toContainEqual(['guest.101', 'bridge.pve.vmbr1']);
    // In-guest and node-side work on a guest waits for its start (engine phases, issue 15).
    expect(printed.edges).toContainEqual(['node.pve.dns', 'guest.1002#start']);
    expect(printed.edges).toContainEqual(['guest.1002#start', 'guest.1001#start']);

    const mermaid = await runCli(['graph', '-c', dir]);
    expect(mermaid.stdout).toMatch(/^flowchart LR/);
    expect(mermaid.stdout).toContain('"1002 worker"');
  });
});

describe('the default config directory', () => {
  it('is the current directory; `up` without a phoenix.yaml there runs the bundled example and says so', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'phoenix-cwd-'));
    const before = process.cwd();
    try {
      process.chdir(dir);
      const graph = await runCli(['graph', '--json']);
      expect(graph.code, graph.stderr).toBe(0);
      expect(JSON.parse(graph.stdout).nodes).toContain('guest.1002');
      process.chdir(empty);
      const plan = await runCli(['plan']);
      expect(plan.code).toBe(1);
      expect(plan.stderr).toMatch(/no phoenix\.yaml in/);
      const up = await runCli(['up', '--speed', '0', '--state', join(empty, 'state.db')]);
      expect(up.code, up.stderr).toBe(0);
      expect(up.stderr).toMatch(/No phoenix\.yaml in .*: using the bundled example .*examples\/homelab/);
      expect(up.stdout).toMatch(/1002\s+worker/);
    } finally {
      process.chdir(before);
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
