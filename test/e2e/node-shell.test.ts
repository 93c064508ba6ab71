/**
 * The node shell end to end: examples/homelab on the built-in simulator, which runs its own SSH
 * server per node (generated client key, pinned host key). Apply lands the dnsmasq records and
 * the NFS exports file in the simulated node's file tree; the real dnsmasq, started on exactly
 * that rendered file, answers every declared name and only those; a second apply changes nothing
 * (no mutating request, no reload); an out-of-band edit of a managed file on the node is drift in
 * `phoenix plan` and `phoenix apply` puts it back.
 */
import type { ChildProcess } from 'node:child_process';
import { Resolver } from 'node:dns/promises';
import { appendFileSync, chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPhoenix, type Phoenix } from '../../src/app/create-phoenix.ts';
import { applyPlan, planEnvironment } from '../../src/app/operations.ts';
import { findPeer, freePort } from '../../src/clients/ssh/_test-peers.ts';
import { runCli } from '../../src/config/__fixtures__/run-cli.ts';
import type { Resource } from '../../src/engine/handler.ts';
import { executePlan, makePlan } from '../../src/engine/index.ts';
import { spawnLoopbackDnsmasq } from '../../src/providers/node/dns/_test-dnsmasq.ts';
import { FILE_KIND, type ManagedFile, type TargetRef } from '../../src/providers/node/index.ts';
import type { SimTree } from '../../src/sim/ssh/sim-tree.ts';
import { startTestSimulator, type TestSimulator } from '../../src/sim/testing.ts';

const HOSTS = '/etc/phoenix/dnsmasq.hosts';
const CONF = '/etc/dnsmasq.d/phoenix.conf';
const EXPORTS = '/etc/exports.d/phoenix.exports';

/** What examples/homelab declares: guests by name, route hosts → the gateway, explicit records, the node. */
const NAMES: Record<string, string> = {
  'ca.home.arpa': '10.10.0.103',
  'gateway.home.arpa': '10.10.0.101',
  'nginx-gateway.home.arpa': '192.168.1.101',
  'portainer-ui.home.arpa': '192.168.1.101',
  'portainer.home.arpa': '10.10.0.11',
  'pve.home.arpa': '192.168.1.10',
  'step-ca.home.arpa': '10.10.0.103',
  'traefik-internal.home.arpa': '10.10.0.102',
  'whoami.home.arpa': '192.168.1.101',
  'worker.home.arpa': '10.10.0.12',
};

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'phoenix-node-e2e-'));
  cpSync('examples/homelab', dir, { recursive: true, filter: (src) => !src.includes('.phoenix') });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function open(onMutation?: (path: string) => void): Promise<Phoenix> {
  return createPhoenix({
    configDir: dir,
    simulator: { speed: 0 },
    onRequest: (event) => {
      if (event.method !== 'GET') onMutation?.(`${event.method} ${event.path}`);
    },
  });
}

function nodeTree(phoenix: Phoenix): SimTree {
  const tree = phoenix.simulator?.nodeSide?.servers.pve?.nodeTree;
  if (!tree) throw new Error('the built-in simulator did not start its node side');
  return tree;
}

/** The real CLI entry with its output captured (the shared `runCli`), as `out` / `err`. */
async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const { code, stdout, stderr } = await runCli(argv);
  return { code, out: stdout, err: stderr };
}

function failures(result: Awaited<ReturnType<typeof applyPlan>>): string[] {
  return [...result.outcomes.values()]
    .filter((o) => o.outcome === 'failed' || o.outcome === 'skipped')
    .map((o) => `${o.address}: ${o.outcome} ${(o.error as Error | undefined)?.message ?? o.reason ?? ''}`);
}

describe('node shell on examples/homelab (built-in simulator over SSH)', () => {
  let hostsText = '';
  let confText = '';

  it('plans the node resources with the guests, in order, and apply lands DNS and NFS files on the node', async () => {
    const phoenix = await open();
    try {
      const planned = await planEnvironment(phoenix);
      expect(planned.plan.errored, JSON.stringify(planned.plan.diagnostics)).toBe(false);
      const byAddress = new Map(planned.plan.changes.map((c) => [c.address, c]));
      // The node's own resources (the guests' packages, services and files belong to the routes).
      const node = planned.plan.changes.filter((c) => c.address.startsWith('node.'));
      expect(node.map((c) => [c.address, c.action]).sort()).toEqual([
        ['node.pve.dns', 'create'],
        ['node.pve.nfs', 'create'],
        // The package and service resources are per node and always "exist": installing is an update.
        ['node.pve.packages.dnsmasq', 'update'],
        ['node.pve.packages.nfs-kernel-server', 'update'],
        ['node.pve.service.dnsmasq', 'update'],
        ['node.pve.service.nfs-server', 'update'],
      ]);
      // DNS after the guests it names; the guest that mounts swarm-data after the export.
      expect(byAddress.get('node.pve.dns')?.dependsOn).toEqual(
        expect.arrayContaining(['guest.101', 'guest.102', 'guest.103', 'guest.1001', 'guest.1002']),
      );
      expect(byAddress.get('guest.1002')?.dependsOn).toContain('node.pve.nfs');
      expect(byAddress.get('guest.1001')?.dependsOn ?? []).not.toContain('node.pve.nfs');

      const result = await applyPlan(phoenix, planned);
      expect(failures(result)).toEqual([]);

      const tree = nodeTree(phoenix);
      hostsText = readFileSync(tree.resolve(HOSTS), 'utf8');
      confText = readFileSync(tree.resolve(CONF), 'utf8');
      const lines = hostsText.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
      expect(lines.sort()).toEqual(
        Object.entries(NAMES)
          .map(([name, ip]) => `${ip} ${name}`)
          .sort(),
      );
      expect(confText).toContain(`addn-hosts=${HOSTS}\n`);
      expect(confText).toContain('local=/home.arpa/\n');
      expect(confText).toContain('cname=whoami-test.home.arpa,gateway.home.arpa\n');
      const exportsText = readFileSync(tree.resolve(EXPORTS), 'utf8');
      expect(exportsText.split('\n').filter((l) => l !== '' && !l.startsWith('#'))).toEqual([
        '/srv/nfs/swarm-data 10.10.0.0/24(rw,sync,no_subtree_check)',
      ]);
      const meta = tree.readMeta();
      expect(meta.packages).toEqual(expect.arrayContaining(['dnsmasq', 'nfs-kernel-server']));
      expect(meta.services.dnsmasq).toMatchObject({ enabled: true, active: true });
      expect(meta.services['nfs-server']).toMatchObject({ enabled: true, active: true });
      expect(meta.exportfsRuns).toBe(1);
    } finally {
      await phoenix.close();
    }
  });

  const dnsmasq = findPeer('/usr/sbin/dnsmasq');
  it.skipIf(!dnsmasq)(
    'the real dnsmasq on the rendered files answers every declared name, and only those',
    async () => {
      const peerDir = mkdtempSync(join(tmpdir(), 'phoenix-node-dnsmasq-'));
      // dnsmasq drops root for `nobody` before it reads the hosts file.
      chmodSync(peerDir, 0o755);
      writeFileSync(join(peerDir, 'hosts'), hostsText, { mode: 0o644 });
      writeFileSync(
        join(peerDir, 'phoenix.conf'),
        confText.replace(`addn-hosts=${HOSTS}`, `addn-hosts=${join(peerDir, 'hosts')}`),
      );
      const port = await freePort();
      let log = '';
      const child: ChildProcess = spawnLoopbackDnsmasq(
        dnsmasq as string,
        join(peerDir, 'phoenix.conf'),
        port,
        (text) => (log += text),
      );
      try {
        const resolver = new Resolver({ timeout: 1000, tries: 2 });
        resolver.setServers([`127.0.0.1:${port}`]);
        let up = false;
        for (let attempt = 0; attempt < 50 && !up; attempt += 1) {
          if (child.exitCode !== null) throw new Error(`dnsmasq exited: ${log}`);
          up = await resolver.resolve4('pve.home.arpa').then(
            () => true,
            () => false,
          );
          if (!up) await new Promise((resolve) => setTimeout(resolve, 100));
        }
        expect(up, log).toBe(true);
        for (const [name, ip] of Object.entries(NAMES)) expect(await resolver.resolve4(name), name).toEqual([ip]);
        expect(await resolver.resolveCname('whoami-test.home.arpa')).toEqual(['gateway.home.arpa']);
        for (const name of ['nothing.home.arpa', 'portainer2.home.arpa', 'www.whoami.home.arpa']) {
          await expect(resolver.resolve4(name), name).rejects.toMatchObject({ code: 'ENOTFOUND' });
        }
      } finally {
        if (child.exitCode === null) child.kill('SIGTERM');
        rmSync(peerDir, { recursive: true, force: true });
      }
    },
  );

  it('a second apply changes nothing: no mutating request, no reload, no exportfs', async () => {
    const mutations: string[] = [];
    const phoenix = await open((m) => mutations.push(m));
    try {
      const tree = nodeTree(phoenix);
      const before = tree.readMeta();
      const planned = await planEnvironment(phoenix);
      expect(planned.plan.changes.filter((c) => c.action !== 'noop').map((c) => `${c.address} ${c.action}`)).toEqual(
        [],
      );
      expect(planned.plan.drift).toEqual([]);
      const result = await applyPlan(phoenix, planned);
      expect(failures(result)).toEqual([]);
      expect(mutations).toEqual([]);
      expect(tree.readMeta()).toEqual(before);
      expect(readFileSync(tree.resolve(HOSTS), 'utf8')).toBe(hostsText);
    } finally {
      await phoenix.close();
    }
  });

  it('typed file operations reach a container (pct over SSH) and a VM (guest agent over the API)', async () => {
    const phoenix = await open();
    try {
      const file = (address: string, target: TargetRef, path: string): Resource<ManagedFile> => ({
        address,
        kind: FILE_KIND,
        node: 'pve',
        dependsOn: [],
        desired: { target, path, content: `managed ${address}\n`, mode: '0640', owner: 'root', group: 'root' },
      });
      const resources = [
        file('file.ct101', { kind: 'lxc', node: 'pve', vmid: 101 }, '/etc/motd'),
        file('file.vm1002', { kind: 'vm', node: 'pve', vmid: 1002 }, '/etc/motd'),
      ];
      // The VM's agent answers a moment after its start.
      let planned = await makePlan({ resources, registry: phoenix.registry });
      for (let i = 0; i < 50 && planned.plan.errored; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        planned = await makePlan({ resources, registry: phoenix.registry });
      }
      expect(planned.plan.errored, JSON.stringify(planned.plan.diagnostics)).toBe(false);
      expect(planned.plan.changes.map((c) => c.action)).toEqual(['create', 'create']);
      const result = await executePlan({ ...planned, registry: phoenix.registry });
      expect(
        [...result.outcomes.values()]
          .filter((o) => o.outcome !== 'created')
          .map((o) => `${o.address} ${o.outcome} ${String((o.error as Error | undefined)?.message)}`),
      ).toEqual([]);
      const guests = join(phoenix.simulator?.nodeSide?.dataDir ?? '', 'guests');
      for (const vmid of [101, 1002]) {
        const onDisk = join(guests, String(vmid), 'root', 'etc', 'motd');
        expect(readFileSync(onDisk, 'utf8')).toBe(`managed file.${vmid === 101 ? 'ct' : 'vm'}${vmid}\n`);
        expect(statSync(onDisk).mode & 0o777).toBe(0o640);
      }
      const again = await makePlan({ resources, registry: phoenix.registry });
      expect(again.plan.changes.map((c) => c.action)).toEqual(['noop', 'noop']);
    } finally {
      await phoenix.close();
    }
  });

  it('an out-of-band edit of the hosts file on the node is drift in `phoenix plan`; apply restores it', async () => {
    const phoenix = await open();
    const tree = nodeTree(phoenix);
    const reloadsBefore = tree.readMeta().services.dnsmasq?.reloads ?? 0;
    await phoenix.close();
    appendFileSync(tree.resolve(HOSTS), '10.6.6.6 evil.home.arpa\n');

    const detailed = await cli('plan', '-c', dir, '--detailed-exitcode');
    expect(detailed.code, detailed.err).toBe(2);
    expect(detailed.out).toContain('node.pve.dns');
    const json = JSON.parse((await cli('plan', '-c', dir, '--json')).out) as {
      changes: { address: string; action: string }[];
      drift: { address: string; paths: string[] }[];
    };
    expect(json.drift).toEqual([expect.objectContaining({ address: 'node.pve.dns', paths: [HOSTS] })]);
    expect(json.changes.filter((c) => c.action !== 'noop').map((c) => [c.address, c.action])).toEqual([
      ['node.pve.dns', 'update'],
    ]);

    const status = await cli('status', '-c', dir);
    expect(status.code).toBe(2);
    expect(status.out).toMatch(/node\.pve\.dns\s+\S+\s+drifted \(\/etc\/phoenix\/dnsmasq\.hosts\)/);
    expect(status.out).toMatch(/node\.pve\.nfs\s+healthy\s+in sync/);

    const applied = await cli('apply', '-c', dir, '--auto-approve');
    expect(applied.code, applied.err).toBe(0);
    expect(readFileSync(tree.resolve(HOSTS), 'utf8')).toBe(hostsText);
    expect(tree.readMeta().services.dnsmasq?.reloads).toBe(reloadsBefore + 1);
    expect((await cli('plan', '-c', dir, '--detailed-exitcode')).code).toBe(0);
    expect((await cli('status', '-c', dir)).out).toMatch(/node\.pve\.dns\s+healthy\s+in sync/);
  });
});

describe('phoenix up on examples/homelab', () => {
  it('converges guests and node resources in one go and lists the node resources in sync', async () => {
    const upDir = mkdtempSync(join(tmpdir(), 'phoenix-node-up-'));
    try {
      cpSync('examples/homelab', upDir, { recursive: true, filter: (src) => !src.includes('.phoenix') });
      const up = await cli('up', '-c', upDir, '--speed', '0');
      expect(up.code, up.err).toBe(0);
      expect(up.err).toMatch(/node\.pve\.dns: created/);
      expect(up.out).toMatch(/node\.pve\.dns\s+healthy\s+in sync/);
      expect(up.out).toMatch(/node\.pve\.nfs\s+healthy\s+in sync/);
      const tree = join(upDir, '.phoenix', 'simulator.json.d', 'nodes', 'pve', 'root');
      expect(readFileSync(join(tree, 'etc', 'exports.d', 'phoenix.exports'), 'utf8')).toContain('/srv/nfs/swarm-data ');
      const again = await cli('up', '-c', upDir);
      expect(again.err).toMatch(/already up and in sync/);
    } finally {
      rmSync(upDir, { recursive: true, force: true });
    }
  });
});

describe('a configured host: proxmox.ssh with a pinned host key (HTTP simulator with its SSH side)', () => {
  let sim: TestSimulator | undefined;
  let hostDir = '';
  beforeAll(async () => {
    hostDir = mkdtempSync(join(tmpdir(), 'phoenix-node-host-'));
    sim = await startTestSimulator({ ssh: true });
  });
  afterAll(async () => {
    await sim?.stop();
    rmSync(hostDir, { recursive: true, force: true });
  });

  function writeConfig(fingerprint: string): void {
    const s = sim as TestSimulator;
    const ssh = s.ssh?.pve;
    writeFileSync(join(hostDir, 'node_key'), s.clientKey?.privateKey ?? '', { mode: 0o600 });
    writeFileSync(
      join(hostDir, 'phoenix.yaml'),
      [
        'version: 1',
        'proxmox:',
        `  endpoint: ${s.url}`,
        `  tokenId: "${s.tokenId}"`,
        '  tokenSecret: env:PHOENIX_TEST_TOKEN',
        `  ssh: { user: root, port: ${ssh?.port}, privateKey: "file:node_key", hostKeyFingerprint: "${fingerprint}" }`,
        'cluster:',
        '  domain: lab.arpa',
        '  nodes: [{ name: pve, address: 127.0.0.1 }]',
        'dns:',
        '  records: [{ name: nas, type: A, value: 10.20.0.5 }]',
        '',
      ].join('\n'),
    );
  }
  const env = (): Record<string, string> => ({
    PHOENIX_TEST_TOKEN: (sim as TestSimulator).token.slice((sim as TestSimulator).token.lastIndexOf('=') + 1),
  });

  it('converges the node resources over the configured SSH access', async () => {
    writeConfig((sim as TestSimulator).ssh?.pve?.hostKeyFingerprint ?? '');
    const phoenix = await createPhoenix({ configDir: hostDir, env: env() });
    try {
      const planned = await planEnvironment(phoenix);
      expect(planned.plan.errored, JSON.stringify(planned.plan.diagnostics)).toBe(false);
      expect(failures(await applyPlan(phoenix, planned))).toEqual([]);
      const tree = (sim as TestSimulator).nodeSide?.servers.pve?.nodeTree;
      expect(readFileSync(tree?.resolve(HOSTS) ?? '', 'utf8')).toMatch(/^10\.20\.0\.5 nas\.lab\.arpa$/m);
      expect(readFileSync(tree?.resolve(HOSTS) ?? '', 'utf8')).toMatch(/^127\.0\.0\.1 pve\.lab\.arpa$/m);
    } finally {
      await phoenix.close();
    }
  });

  it('refuses a node whose host key does not match the pin, with a clear error and nothing written', async () => {
    const tree = (sim as TestSimulator).nodeSide?.servers.pve?.nodeTree;
    const before = readFileSync(tree?.resolve(HOSTS) ?? '', 'utf8');
    writeConfig(`SHA256:${'B'.repeat(43)}`);
    const phoenix = await createPhoenix({ configDir: hostDir, env: env() });
    try {
      const planned = await planEnvironment(phoenix);
      expect(planned.plan.errored).toBe(true);
      const messages = planned.plan.diagnostics.map((d) => d.message).join('\n');
      expect(messages).toMatch(/host key/i);
      expect(messages).not.toContain('PRIVATE KEY');
    } finally {
      await phoenix.close();
    }
    expect(readFileSync(tree?.resolve(HOSTS) ?? '', 'utf8')).toBe(before);
  });
});
