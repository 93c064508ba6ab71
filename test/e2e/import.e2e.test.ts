/**
 * Issue 9: `phoenix import` writes YAML that validates as written and plans only the ownership
 * marker — for a privileged container (defaults.lxc says unprivileged: true, nesting on, tags,
 * a nameserver) on a storage the config does not declare (`local-lvm`, PVE's default).
 */
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProxmoxClient } from '../../src/clients/proxmox/index.ts';
import { simTopology } from '../../src/app/sim-topology.ts';
import { loadConfig } from '../../src/config/index.ts';
import { runCli } from '../../src/config/__fixtures__/run-cli.ts';
import { startTestSimulator, type TestSimulator } from '../../src/sim/testing.ts';

const SECRETS = ['PHOENIX_CA_PASSWORD', 'PHOENIX_PORTAINER_PASSWORD', 'WHOAMI_API_TOKEN'];
let dir = '';
let sim: TestSimulator;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'phoenix-import-'));
  cpSync('examples/homelab', dir, { recursive: true, filter: (src) => !src.includes('.phoenix') });
  const topology = simTopology((await loadConfig(dir)).config);
  sim = await startTestSimulator({
    nodes: topology.nodes,
    storages: [
      ...topology.storages,
      {
        storage: 'local-lvm',
        type: 'lvmthin',
        vgname: 'pve',
        thinpool: 'data',
        content: ['rootdir', 'images'],
        capacity: 512 * 1024 ** 3,
      },
    ] as never,
  });
  const secret = sim.token.slice(sim.token.lastIndexOf('=') + 1);
  process.env['PHOENIX_TEST_TOKEN_SECRET'] = secret;
  for (const name of SECRETS) process.env[name] = 'test-only';
  appendFileSync(
    join(dir, 'phoenix.yaml'),
    `\nproxmox:\n  endpoint: ${sim.url}\n  tokenId: "${sim.tokenId}"\n  tokenSecret: env:PHOENIX_TEST_TOKEN_SECRET\n`,
  );
  const client = createProxmoxClient({ endpoint: sim.url, tokenId: sim.tokenId, tokenSecret: secret });
  try {
    // Created by hand the way the UI does (cores set, started), privileged, no features or tags.
    const upid = await client.lxc.create('pve', {
      vmid: 150,
      ostemplate: 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst',
      hostname: 'legacy',
      rootfs: 'local-lvm:4',
      cores: 2,
      memory: 256,
      net0: 'name=eth0,bridge=vmbr1,ip=10.10.0.150/24,gw=10.10.0.1',
      start: 1,
    });
    await client.waitForTask('pve', upid);
    // And one made through the API without cores, left stopped.
    await client.waitForTask(
      'pve',
      await client.lxc.create('pve', {
        vmid: 151,
        ostemplate: 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst',
        hostname: 'bare',
        rootfs: 'local-lvm:2',
        net0: 'name=eth0,bridge=vmbr1,ip=10.10.0.151/24',
      }),
    );
  } finally {
    await client.close();
  }
}, 60_000);
afterAll(async () => {
  delete process.env['PHOENIX_TEST_TOKEN_SECRET'];
  for (const name of SECRETS) delete process.env[name];
  await sim?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('phoenix import', () => {
  it('writes YAML that validates as written, and the next plan only adds the ownership marker', async () => {
    const imported = await runCli(['import', '150', '-c', dir]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stderr).not.toMatch(/internal error/);
    const yaml = readFileSync(join(dir, 'guests', 'imported-150.yaml'), 'utf8');
    expect(yaml).toMatch(/name: legacy/);

    const valid = await runCli(['validate', dir]);
    expect(valid.code, valid.stderr).toBe(0);
    expect(valid.stderr).not.toMatch(/error/);

    const planned = await runCli(['plan', '-c', dir, '--json']);
    expect(planned.code, planned.stderr).toBe(0);
    const plan = JSON.parse(planned.stdout) as {
      changes: { address: string; action: string; attributes: { path: string; before: unknown; after: unknown }[] }[];
    };
    const mine = plan.changes.filter(
      (c) => (c.address === 'guest.150' || c.address === 'storage.local-lvm') && c.action !== 'noop',
    );
    expect(mine.map((c) => [c.address, c.action])).toEqual([['guest.150', 'update']]);
    expect(mine[0]?.attributes.map((a) => a.path)).toEqual(['tags']);
    // The ownership marker: the managed tag and this environment's identity tag (safety-owner).
    expect(mine[0]?.attributes[0]?.before ?? null).toBe(null);
    expect(String(mine[0]?.attributes[0]?.after)).toMatch(/^phoenix-env-[0-9a-f]+;phoenix-managed$/);
  });

  it('says what else the next apply changes when the guest cannot be written as it is', async () => {
    const imported = await runCli(['import', '151', '-c', dir]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stderr).toContain('note: besides the ownership tag, the next apply changes cores: (unset) → 1');
    expect(imported.stderr).toContain(
      'note: besides the ownership tag, the next apply changes status: stopped → running',
    );
    expect((await runCli(['validate', dir])).code).toBe(0);
  });
});
