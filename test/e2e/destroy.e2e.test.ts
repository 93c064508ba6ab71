/**
 * `phoenix destroy` covers every kind (issue 10): after `up` then `destroy --auto-approve` on
 * the built-in simulator, nothing of Phoenix's is left — no guest, host object, DNS record or
 * NFS export — except what is kept by design (storage definitions, ZFS pools, roles,
 * packages, services), and objects Phoenix does not own are byte-for-byte unchanged.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPhoenix } from '../../src/app/create-phoenix.ts';
import { runCli } from '../../src/config/__fixtures__/run-cli.ts';
import { makePlan } from '../../src/engine/index.ts';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'phoenix-destroy-'));
  cpSync('examples/homelab', dir, { recursive: true, filter: (src) => !src.includes('.phoenix') });
  // Protected guests are refused (lifecycle.e2e); here everything may go.
  const stepCa = join(dir, 'guests', 'step-ca.yaml');
  writeFileSync(stepCa, readFileSync(stepCa, 'utf8').replace(/\n\s*protected: true/, ''));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const KEPT = new Set([
  'proxmox.file',
  'pve.storage',
  'pve.zfs',
  'pve.role',
  'node.packages',
  'node.service',
  'pki.trust',
]);

describe('phoenix destroy', () => {
  it('leaves nothing of Phoenix behind and never touches what it does not own', async () => {
    const up = await runCli(['up', '-c', dir, '--speed', '0']);
    expect(up.code, up.stderr).toBe(0);

    // Objects someone else owns: a container, a user, a datacenter firewall alias.
    let phoenix = await createPhoenix({ configDir: dir });
    let client = phoenix.client;
    await client.waitForTask(
      'pve',
      await client.lxc.create('pve', {
        vmid: 150,
        ostemplate: 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst',
        hostname: 'legacy',
        rootfs: 'local-zfs:4',
        memory: 256,
        net0: 'name=eth0,bridge=vmbr1,ip=10.10.0.150/24',
      }),
    );
    await client.access.createUser({ userid: 'alice@pve', comment: 'not Phoenix' });
    await client.firewall.createAlias({ level: 'cluster' }, { name: 'nas', cidr: '10.10.0.50', comment: 'mine' });
    // (PVE's `digest` of a firewall list covers the whole list, so it changes with Phoenix's entries.)
    const withoutDigest = (o: object | undefined) => ({ ...o, digest: undefined });
    const foreign = async (): Promise<string> =>
      JSON.stringify([
        await client.lxc.config('pve', 150),
        (await client.access.users()).find((u) => u.userid === 'alice@pve'),
        withoutDigest((await client.firewall.aliases({ level: 'cluster' })).find((a) => a.name === 'nas')),
      ]);
    const before = await foreign();
    await phoenix.close();
    const tree = join(dir, '.phoenix', 'simulator.json.d', 'nodes', 'pve', 'root');
    expect(existsSync(join(tree, 'etc', 'exports.d', 'phoenix.exports'))).toBe(true);

    const destroy = await runCli(['destroy', '-c', dir, '--auto-approve']);
    expect(destroy.code, destroy.stderr).toBe(0);
    expect(destroy.stdout).toMatch(/guest\.150: .*legacy/); // listed as not Phoenix's
    expect(destroy.stderr).toMatch(/kept: node\.pve\.packages\.dnsmasq: packages are left installed/);
    expect(destroy.stderr).toMatch(/Apply complete! Resources: 0 created, 0 updated, \d+ destroyed\./);

    phoenix = await createPhoenix({ configDir: dir });
    client = phoenix.client;
    try {
      expect(JSON.parse(await foreign())).toEqual(JSON.parse(before));
      // Discovery with nothing desired finds nothing carrying Phoenix's marker, of any kind.
      const owned = await makePlan({
        resources: [],
        registry: phoenix.registry,
        kinds: phoenix.registry.kinds(),
        prune: true,
      });
      expect(owned.plan.errored, JSON.stringify(owned.plan.diagnostics)).toBe(false);
      expect([...owned.observations.keys()]).toEqual([]);
      // Observing what the config declares: only the kept kinds exist, and the firewalls (which
      // always exist) hold no rule of Phoenix's.
      const left = await makePlan({ resources: phoenix.resources, registry: phoenix.registry });
      expect(left.plan.errored, JSON.stringify(left.plan.diagnostics)).toBe(false);
      const ours = [...left.observations.values()].filter((o) => !KEPT.has(o.kind) && o.kind !== 'pve.firewall');
      expect(ours.map((o) => o.address)).toEqual([]);
      const firewalls = [...left.observations.values()].filter((o) => o.kind === 'pve.firewall');
      expect(firewalls.map((o) => (o.observed as { rules: unknown[] }).rules)).toEqual([[], []]);
      expect((await phoenix.client.cluster.resources('vm')).map((r) => Number(r.vmid))).toEqual([150]);
    } finally {
      await phoenix.close();
    }
    expect(existsSync(join(tree, 'etc', 'exports.d', 'phoenix.exports'))).toBe(false);
    expect(existsSync(join(tree, 'etc', 'phoenix', 'dnsmasq.hosts'))).toBe(false);
    const again = await runCli(['destroy', '-c', dir, '--auto-approve']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/No changes/);
  });
});
