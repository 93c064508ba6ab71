/**
 * Status must not lie (issue 9): against a TLS simulator configured in `proxmox:`, a wrong
 * pin is reported as "could not observe" with the reason and a non-zero exit — never as
 * missing guests; a guest someone else created on a declared vmid is a conflict "not managed
 * by Phoenix" — never "in sync" — and destroy lists it as foreign, never as a deletion.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/config/__fixtures__/run-cli.ts';
import { simTopology } from '../../src/app/sim-topology.ts';
import { loadConfig } from '../../src/config/index.ts';
import { createProxmoxClient } from '../../src/clients/proxmox/index.ts';
import { startSimulator, type RunningSimulator } from '../../src/sim/index.ts';

let sim: RunningSimulator;
let dir = '';
const SECRET_ENV = 'PHOENIX_STATUS_TRUTH_SECRET';

function writeProxmox(fingerprint: string): void {
  writeFileSync(
    join(dir, 'connection.yaml'),
    `proxmox:\n  endpoint: ${sim.url}\n  tokenId: "${sim.tokenId}"\n  tokenSecret: env:${SECRET_ENV}\n  tls: { fingerprint: "${fingerprint}" }\n`,
  );
}

interface Row {
  address: string;
  kind: string;
  sync: string;
  conditions: { type: string; message: string }[];
}

beforeAll(async () => {
  const topology = simTopology((await loadConfig('examples/homelab')).config);
  sim = await startSimulator({ tls: true, speed: 0, nodes: topology.nodes, storages: topology.storages as never });
  process.env[SECRET_ENV] = sim.token.slice(sim.token.lastIndexOf('=') + 1);
  dir = mkdtempSync(join(tmpdir(), 'phoenix-status-truth-'));
  cpSync('examples/homelab', dir, { recursive: true, filter: (src) => !src.includes('.phoenix') });
});
afterAll(async () => {
  delete process.env[SECRET_ENV];
  await sim.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('status that could not observe', () => {
  it('a wrong TLS pin: non-zero exit, the reason on stderr, nothing reported as missing', async () => {
    writeProxmox(Array.from({ length: 32 }, () => 'AB').join(':'));
    const r = await runCli(['status', '-c', dir, '--json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/fingerprint|certificate/i);
    expect(r.stdout).not.toContain('"missing"');
    const human = await runCli(['status', '-c', dir]);
    expect(human.code).toBe(1);
    expect(human.stdout).not.toMatch(/missing|absent/);
  });
});

describe('a declared vmid held by a guest Phoenix does not own', () => {
  it('status says conflict, not managed by Phoenix (never in sync); destroy lists it as foreign', async () => {
    writeProxmox(sim.fingerprint ?? '');
    const client = createProxmoxClient({
      endpoint: sim.url,
      tokenId: sim.tokenId,
      tokenSecret: process.env[SECRET_ENV] ?? '',
      tls: { fingerprint: sim.fingerprint },
    });
    try {
      const upid = await client.lxc.create('pve', {
        vmid: 101,
        ostemplate: 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst',
        hostname: 'someone-elses',
        rootfs: 'local-zfs:4',
        memory: 333,
        cores: 3,
      });
      await client.waitForTask('pve', upid);
    } finally {
      await client.close();
    }
    const r = await runCli(['status', '-c', dir, '--json']);
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout) as { rows: Row[] };
    const row = doc.rows.find((x) => x.address === 'guest.101');
    expect(row?.sync).toBe('conflict');
    expect(row?.conditions.map((c) => c.message).join()).toMatch(/vmid 101 exists .* but is not managed by Phoenix/);
    const human = await runCli(['status', '-c', dir]);
    expect(human.stdout).toMatch(/^101 .*conflict$/m);
    expect(human.stdout).toContain('guest.101: vmid 101 exists');

    const destroy = await runCli(['destroy', '-c', dir, '--auto-approve']);
    expect(destroy.stdout + destroy.stderr).toMatch(/guest\.101.*(foreign|not managed by Phoenix)/);
    expect(destroy.stdout).not.toMatch(/guest\.101.*(destroyed|will be destroyed)/);
    const after = await runCli(['status', '-c', dir, '--json']);
    expect((JSON.parse(after.stdout) as { rows: Row[] }).rows.find((x) => x.address === 'guest.101')?.sync).toBe(
      'conflict',
    );
  });
});
