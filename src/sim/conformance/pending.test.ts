/**
 * Conformance: pending changes of running guests (spec A.4/A.5 config, `GET …/pending`,
 * `current=1`, `revert=`), qemu-server `cleanup_pending`, and the `/nodes` certificate
 * fingerprint (spec A.1 GET /nodes `ssl_fingerprint`).
 */
import { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from '../index.ts';
import { startTestSimulator, type TestSimulator } from '../testing.ts';

let sim: TestSimulator;
beforeAll(async () => {
  sim = await startTestSimulator();
});
afterAll(async () => {
  await sim.stop();
});

async function waitTask(upid: unknown): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const res = await sim.api('GET', `/nodes/pve/tasks/${encodeURIComponent(String(upid))}/status`);
    if ((res.body?.data as { status: string }).status === 'stopped') return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('task did not stop');
}

describe('QEMU cleanup_pending', () => {
  it('§A.5 a value equal to the running one does not stay pending (cores 4 -> 4)', async () => {
    await waitTask((await sim.api('POST', '/nodes/pve/qemu', { vmid: 700, cores: 4, start: 1 })).body?.data);
    await sim.api('PUT', '/nodes/pve/qemu/700/config', { cores: 4 });
    const pending = (await sim.api('GET', '/nodes/pve/qemu/700/pending')).body?.data as Record<string, unknown>[];
    expect(pending.find((r) => r.key === 'cores')).toEqual({ key: 'cores', value: '4' });
    await sim.api('PUT', '/nodes/pve/qemu/700/config', { cores: 2 });
    await sim.api('PUT', '/nodes/pve/qemu/700/config', { cores: 4 });
    const after = (await sim.api('GET', '/nodes/pve/qemu/700/pending')).body?.data as Record<string, unknown>[];
    expect(after.find((r) => r.key === 'cores')).toEqual({ key: 'cores', value: '4' });
    // Deleting a key the config does not have leaves nothing pending either.
    await sim.api('PUT', '/nodes/pve/qemu/700/config', { delete: 'balloon' });
    const none = (await sim.api('GET', '/nodes/pve/qemu/700/pending')).body?.data as Record<string, unknown>[];
    expect(none.filter((r) => r.delete === 1 || r.pending !== undefined)).toEqual([]);
  });
});

describe('LXC pending changes', () => {
  const ct = {
    vmid: 710,
    ostemplate: 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst',
    rootfs: 'local-lvm:1',
    unprivileged: 1,
    start: 1,
  };

  it('§A.4 on a running CT, features stay pending until reboot; memory applies at once', async () => {
    await waitTask((await sim.api('POST', '/nodes/pve/lxc', ct)).body?.data);
    expect((await sim.api('PUT', '/nodes/pve/lxc/710/config', { features: 'nesting=1', memory: 1024 })).status).toBe(
      200,
    );
    const pending = (await sim.api('GET', '/nodes/pve/lxc/710/pending')).body?.data as Record<string, unknown>[];
    expect(pending.find((r) => r.key === 'features')).toEqual({ key: 'features', pending: 'nesting=1' });
    expect(pending.find((r) => r.key === 'memory')).toEqual({ key: 'memory', value: '1024' });
    // Default view shows the pending value; current=1 what runs.
    expect((await sim.api('GET', '/nodes/pve/lxc/710/config')).body?.data).toMatchObject({ features: 'nesting=1' });
    const current = (await sim.api('GET', '/nodes/pve/lxc/710/config', { current: 1 })).body?.data as object;
    expect(current).not.toHaveProperty('features');
    await waitTask((await sim.api('POST', '/nodes/pve/lxc/710/status/reboot')).body?.data);
    const applied = (await sim.api('GET', '/nodes/pve/lxc/710/config', { current: 1 })).body?.data;
    expect(applied).toMatchObject({ features: 'nesting=1', memory: 1024 });
    const rows = (await sim.api('GET', '/nodes/pve/lxc/710/pending')).body?.data as Record<string, unknown>[];
    expect(rows.filter((r) => r.pending !== undefined || r.delete !== undefined)).toEqual([]);
  });

  it('§A.4 revert= drops a pending change; a pending delete shows delete=1', async () => {
    await sim.api('PUT', '/nodes/pve/lxc/710/config', { nameserver: '10.0.0.1' });
    await sim.api('PUT', '/nodes/pve/lxc/710/config', { revert: 'nameserver' });
    await sim.api('PUT', '/nodes/pve/lxc/710/config', { delete: 'features' });
    const rows = (await sim.api('GET', '/nodes/pve/lxc/710/pending')).body?.data as Record<string, unknown>[];
    expect(rows.find((r) => r.key === 'nameserver')).toBeUndefined();
    expect(rows.find((r) => r.key === 'features')).toEqual({ key: 'features', value: 'nesting=1', delete: 1 });
  });
});

describe('/nodes ssl_fingerprint', () => {
  it('§A.1 is the SHA-256 fingerprint of the certificate the API serves', async () => {
    const tls = await startSimulator({ speed: 0 });
    try {
      const port = Number(new URL(tls.url).port);
      const served = await new Promise<string>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
          const raw = socket.getPeerCertificate().raw;
          socket.end();
          resolve(new X509Certificate(raw).fingerprint256);
        });
        socket.on('error', reject);
      });
      const res = await undiciFetch(`${tls.url}/api2/json/nodes`, {
        headers: { Authorization: `PVEAPIToken=${tls.token}` },
        // The self-signed certificate is what we are checking: trust it for this request only.
        dispatcher: new Agent({ connect: { rejectUnauthorized: false } }),
      });
      const rows = ((await res.json()) as { data: { ssl_fingerprint?: string }[] }).data;
      expect(rows[0]?.ssl_fingerprint).toBe(served);
    } finally {
      await tls.stop();
    }
  });
});
