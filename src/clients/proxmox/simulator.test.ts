/**
 * The client against the real simulator over HTTP(S): schema-valid requests (the test
 * simulator fails `stop()` on any request the PVE 8.4 schema rejects), task waiting, error
 * classification on the simulator's PVE texts, TLS pinning, and retries under injected faults.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestSimulator, type TestSimulator } from '../../sim/testing.ts';
import { createProxmoxClient, type ProxmoxClient } from './client.ts';
import { encodeSshKeys } from './encode.ts';
import { isAlreadyExists, isNotFound, ProxmoxApiError, ProxmoxTaskError } from './errors.ts';
import { FingerprintMismatchError } from './tls.ts';
import type { RequestEvent, TransportOptions } from './index.ts';

let sim: TestSimulator | undefined;
let client: ProxmoxClient | undefined;

function connect(s: TestSimulator, extra: Partial<TransportOptions> = {}): ProxmoxClient {
  const cut = s.token.lastIndexOf('=');
  client = createProxmoxClient({
    endpoint: s.url,
    tokenId: s.token.slice(0, cut),
    tokenSecret: s.token.slice(cut + 1),
    ...extra,
  });
  return client;
}

afterEach(async () => {
  await client?.close();
  await sim?.stop();
  client = undefined;
  sim = undefined;
});

/** A real ed25519 public key line in OpenSSH format, with a comment full of characters to encode. */
function sshKey(comment: string): string {
  const raw = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const part = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  return `ssh-ed25519 ${Buffer.concat([part(Buffer.from('ssh-ed25519')), part(raw)]).toString('base64')} ${comment}`;
}

const TEMPLATE = 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst';

describe('client against the simulator', () => {
  it('runs an LXC lifecycle: create, config, start/stop, snapshot, template, clone, destroy', async () => {
    sim = await startTestSimulator();
    const pve = connect(sim);
    expect((await pve.cluster.version()).release).toMatch(/^8\./);
    const [node] = await pve.cluster.nodes();
    expect(node?.node).toBe('pve');
    const vmid = await pve.cluster.nextId();
    expect(vmid).toBeGreaterThanOrEqual(100);

    const upid = await pve.lxc.create('pve', {
      vmid,
      hostname: 'web1',
      ostemplate: TEMPLATE,
      rootfs: 'local-lvm:8',
      memory: 512,
      cores: 1,
      unprivileged: true,
      net0: 'name=eth0,bridge=vmbr0,ip=dhcp',
    });
    await pve.waitForTask('pve', upid);
    const again = await pve.lxc
      .create('pve', { vmid, ostemplate: TEMPLATE, rootfs: 'local-lvm:8' })
      .catch((e: unknown) => e);
    expect(isAlreadyExists(again)).toBe(true);

    await pve.lxc.updateConfig('pve', vmid, { cores: 2, onboot: true, tags: 'phoenix' });
    const config = await pve.lxc.config('pve', vmid);
    expect(config).toMatchObject({ cores: 2, onboot: 1, hostname: 'web1' });
    expect(config.digest).toBeTruthy();

    await pve.waitForTask('pve', await pve.lxc.start('pve', vmid));
    expect((await pve.lxc.status('pve', vmid)).status).toBe('running');
    await pve.waitForTask('pve', await pve.lxc.stop('pve', vmid));

    await pve.waitForTask('pve', await pve.lxc.snapshot('pve', vmid, 'before'));
    expect((await pve.lxc.snapshots('pve', vmid)).map((s) => s.name)).toContain('before');
    await pve.waitForTask('pve', await pve.lxc.deleteSnapshot('pve', vmid, 'before'));

    const grow = await pve.lxc.resize('pve', vmid, 'rootfs', '+2G');
    if (grow) await pve.waitForTask('pve', grow);
    expect(String((await pve.lxc.config('pve', vmid)).rootfs)).toMatch(/size=10G/);

    await pve.lxc.template('pve', vmid);
    const clone = vmid + 1;
    await pve.waitForTask('pve', await pve.lxc.clone('pve', vmid, { newid: clone, hostname: 'web2', full: true }));
    expect((await pve.lxc.config('pve', clone)).hostname).toBe('web2');

    const resources = await pve.cluster.resources('vm');
    expect(resources.map((r) => r.vmid).sort()).toEqual([vmid, clone]);

    for (const id of [clone, vmid]) await pve.waitForTask('pve', await pve.lxc.destroy('pve', id, { purge: true }));
    const gone = await pve.lxc.config('pve', vmid).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(ProxmoxApiError);
    expect(isNotFound(gone)).toBe(true);
  });

  it('creates a cloud-init VM and sets SSH keys with the API encoding quirk', async () => {
    sim = await startTestSimulator();
    const pve = connect(sim);
    const create = await pve.qemu.create('pve', {
      vmid: 1001,
      name: 'portainer',
      memory: 2048,
      scsi0: 'local-lvm:8',
      ide2: 'local-lvm:cloudinit',
      agent: 'enabled=1',
      net0: 'virtio,bridge=vmbr0',
    });
    await pve.waitForTask('pve', create);
    const keys = [sshKey('ops@host+1'), sshKey('me/laptop: key=2')];
    const upid = await pve.qemu.updateConfigAsync('pve', 1001, {
      sshkeys: encodeSshKeys(keys),
      ciuser: 'ops',
      ipconfig0: 'ip=10.0.0.20/24,gw=10.0.0.1',
    });
    if (upid) await pve.waitForTask('pve', upid);
    const config = await pve.qemu.config('pve', 1001);
    expect(decodeURIComponent(String(config.sshkeys))).toBe(keys.join('\n'));
    expect(config.ciuser).toBe('ops');
  });

  it('reports a failed task with its exit status and log tail', async () => {
    sim = await startTestSimulator({
      faults: { seed: 1, rules: [{ taskType: 'vzstart', taskFailure: 1, message: 'startup for container failed' }] },
    });
    const pve = connect(sim);
    await pve.waitForTask(
      'pve',
      await pve.lxc.create('pve', { vmid: 200, ostemplate: TEMPLATE, rootfs: 'local-lvm:4' }),
    );
    const error = (await pve
      .waitForTask('pve', await pve.lxc.start('pve', 200))
      .catch((e: unknown) => e)) as ProxmoxTaskError;
    expect(error).toBeInstanceOf(ProxmoxTaskError);
    expect(error.exitstatus).toContain('startup for container failed');
    expect(error.logTail.at(-1)).toMatch(/^TASK ERROR/);
  });

  it('converges reads under injected 500/596/599 faults by retrying, counting every attempt', async () => {
    sim = await startTestSimulator({
      faults: { seed: 7, rules: [{ method: 'GET', error500: 0.2, status596: 0.1, status599: 0.1 }] },
    });
    const events: RequestEvent[] = [];
    const pve = connect(sim, { retry: { baseDelayMs: 1, maxAttempts: 10 }, onRequest: (e) => events.push(e) });
    for (let i = 0; i < 30; i++) await pve.cluster.resources();
    expect(events.filter((e) => e.status === 200)).toHaveLength(30);
    expect(events.some((e) => e.status !== 200)).toBe(true);
    expect(events.length).toBe(sim.requests.length);
  });

  it('retries a create POST refused with a lock timeout, creating each guest exactly once', async () => {
    sim = await startTestSimulator({
      faults: {
        seed: 5,
        rules: [
          {
            method: 'POST',
            route: '/nodes/*/lxc',
            error500: 0.5,
            message: "can't lock file '/run/lock/lxc/pve-config-400.lock' - got timeout",
          },
        ],
      },
    });
    const pve = connect(sim, { retry: { baseDelayMs: 1, maxAttempts: 12 } });
    for (let vmid = 400; vmid < 406; vmid++) {
      await pve.waitForTask('pve', await pve.lxc.create('pve', { vmid, ostemplate: TEMPLATE, rootfs: 'local-lvm:4' }));
    }
    const posts = sim.requests.filter((r) => r.method === 'POST' && /\/lxc$/.test(r.path));
    expect(posts.length).toBeGreaterThan(6);
    expect(posts.filter((r) => r.status === 500).every((r) => /got timeout/.test(r.error ?? ''))).toBe(true);
    expect((await pve.lxc.list('pve')).map((g) => Number(g.vmid)).sort()).toEqual([400, 401, 402, 403, 404, 405]);
  });

  it('never retries a create POST on an injected 596 (outcome unknown)', async () => {
    sim = await startTestSimulator({
      faults: { seed: 3, rules: [{ method: 'POST', route: '/nodes/*/lxc', status596: 1 }] },
    });
    const pve = connect(sim, { retry: { baseDelayMs: 1 } });
    await expect(
      pve.lxc.create('pve', { vmid: 300, ostemplate: TEMPLATE, rootfs: 'local-lvm:4' }),
    ).rejects.toMatchObject({ status: 596 });
    expect(sim.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('pins the simulator certificate over HTTPS and refuses a wrong pin', async () => {
    sim = await startTestSimulator({ tls: true });
    expect(sim.fingerprint).toBeTruthy();
    const good = connect(sim, { tls: { fingerprint: sim.fingerprint! } });
    await expect(good.cluster.version()).resolves.toBeTruthy();
    await good.close();
    const wrong = connect(sim, { tls: { fingerprint: 'AB:'.repeat(31) + 'AB' } });
    await expect(wrong.cluster.version()).rejects.toBeInstanceOf(FingerprintMismatchError);
  });
});
