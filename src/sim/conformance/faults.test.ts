/** Conformance: injected faults and the control endpoint (spec §3 pseudo-statuses, §5.1, §7 item 9). */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestSimulator, type TestSimulator } from '../testing.ts';
import { createToken, createUser, grant } from './helpers.ts';

let sim: TestSimulator;
beforeAll(async () => {
  sim = await startTestSimulator();
});
beforeEach(() => {
  sim.control.setFaults({ rules: [] });
});
afterAll(async () => {
  await sim.stop();
});

const LXC = { ostemplate: 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst', rootfs: 'local-lvm:4' };

describe('fault injection', () => {
  it('§3 injects 596 Connection timed out with an empty body', async () => {
    sim.control.setFaults({ seed: 7, rules: [{ route: '/version', status596: 1 }] });
    const res = await sim.api('GET', '/version');
    expect(res.status).toBe(596);
    expect(res.statusText).toBe('Connection timed out');
    expect(res.body).toBeUndefined();
    expect((await sim.api('GET', '/nodes')).status).toBe(200);
  });

  it('§3 injects 595 and 599 pseudo-statuses', async () => {
    sim.control.setFaults({
      rules: [
        { route: '/nodes/*/status', status595: 1 },
        { route: '/cluster/**', status599: 1 },
      ],
    });
    expect((await sim.api('GET', '/nodes/pve/status')).status).toBe(595);
    const res = await sim.api('GET', '/cluster/resources');
    expect([res.status, res.statusText]).toEqual([599, 'Too many redirections']);
  });

  it('§3 injects 500 errors whose text is the reason phrase and the message', async () => {
    sim.control.setFaults({
      rules: [{ method: 'GET', route: '/nodes/{node}/qemu', error500: 1, message: 'got timeout' }],
    });
    const res = await sim.api('GET', '/nodes/pve/qemu');
    expect([res.status, res.statusText]).toEqual([500, 'got timeout']);
    expect(res.body).toEqual({ data: null, message: 'got timeout\n' });
  });

  it('§7 drops connections (socket destroyed, no answer)', async () => {
    sim.control.setFaults({ rules: [{ route: '/version', drop: 1 }] });
    await expect(sim.api('GET', '/version')).rejects.toThrow();
  });

  it('§7 adds latency', async () => {
    sim.control.setFaults({ rules: [{ route: '/version', latencyMs: 150 }] });
    const started = Date.now();
    expect((await sim.api('GET', '/version')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('§7 replays the same faults from the same seed', async () => {
    const run = async (): Promise<number[]> => {
      sim.control.setFaults({ seed: 1234, rules: [{ route: '/version', error500: 0.5 }] });
      const statuses: number[] = [];
      for (let i = 0; i < 20; i += 1) statuses.push((await sim.api('GET', '/version')).status);
      return statuses;
    };
    const first = await run();
    expect(first).toContain(500);
    expect(first).toContain(200);
    expect(await run()).toEqual(first);
  });

  it("§5.1 injects config-lock timeouts into the model (can't lock file ... got timeout)", async () => {
    const created = await sim.api('POST', '/nodes/pve/lxc', { vmid: 301, ...LXC });
    expect(created.status).toBe(200);
    sim.control.setFaults({ rules: [{ method: 'PUT', route: '/nodes/*/lxc/*/config', lockTimeout: 1 }] });
    const res = await sim.api('PUT', '/nodes/pve/lxc/301/config', { cores: 2 });
    expect(res.status).toBe(500);
    expect(res.statusText).toMatch(/^can't lock file '.*301.*' - got timeout$/);
  });

  it('§4.2 injects task failures: the call returns a UPID, the task ends with the error', async () => {
    sim.control.setFaults({ rules: [{ taskType: 'vzcreate', taskFailure: 1, message: 'storage exploded' }] });
    const created = await sim.api('POST', '/nodes/pve/lxc', { vmid: 302, ...LXC });
    const upid = String(created.body?.data);
    expect(upid).toMatch(/:vzcreate:302:/);
    const deadline = Date.now() + 5000;
    let status: Record<string, unknown> = {};
    while (Date.now() < deadline) {
      status = (await sim.api('GET', `/nodes/pve/tasks/${encodeURIComponent(upid)}/status`)).body?.data as never;
      if (status['status'] === 'stopped') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(status).toMatchObject({ status: 'stopped', exitstatus: expect.stringContaining('storage exploded') });
  });
});

describe('control endpoint', () => {
  it('§7 sets faults at run time through PUT /api2/json/_sim/faults (JSON body)', async () => {
    const res = await fetch(`${sim.url}/api2/json/_sim/faults`, {
      method: 'PUT',
      headers: { Authorization: `PVEAPIToken=${sim.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ seed: 3, rules: [{ route: '/version', status596: 1 }] }),
    });
    expect(res.status).toBe(200);
    expect((await sim.api('GET', '/version')).status).toBe(596);
    const current = await fetch(`${sim.url}/api2/json/_sim/faults`, {
      headers: { Authorization: `PVEAPIToken=${sim.token}` },
    });
    expect(((await current.json()) as { data: { counts: Record<string, number> } }).data.counts['596']).toBe(1);
  });

  it('§7 forwards out-of-band changes to the model (drift) through POST /_sim/control', async () => {
    await sim.api('POST', '/nodes/pve/lxc', { vmid: 303, ...LXC });
    const res = await fetch(`${sim.url}/api2/json/_sim/control`, {
      method: 'POST',
      headers: { Authorization: `PVEAPIToken=${sim.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ action: 'set-config', args: { vmid: 303, key: 'description', value: 'changed by hand' } }),
    });
    expect(res.status).toBe(200);
    const config = await sim.api('GET', '/nodes/pve/lxc/303/config');
    expect(config.body?.data).toMatchObject({ description: 'changed by hand' });
  });

  it('§7 refuses the control endpoint to anyone but root@pam, and rejects bad fault files', async () => {
    await createUser(sim, 'ctl@pve');
    await grant(sim, '/', 'Administrator', { users: 'ctl@pve' });
    const token = await createToken(sim, 'ctl@pve', 'ctl', 0);
    const denied = await fetch(`${sim.url}/api2/json/_sim/faults`, {
      headers: { Authorization: `PVEAPIToken=${token}` },
    });
    expect(denied.status).toBe(403);
    const bad = await fetch(`${sim.url}/api2/json/_sim/faults`, {
      method: 'PUT',
      headers: { Authorization: `PVEAPIToken=${sim.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ rules: [{ error500: 3 }] }),
    });
    expect(bad.status).toBe(400);
  });
});
