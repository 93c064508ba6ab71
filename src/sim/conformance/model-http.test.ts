/**
 * The cluster model driven over HTTP through `startTestSimulator`: every request here is
 * validated against the PVE 8.4 schema by the server, so these cases also prove the model's
 * routes accept exactly what real clients send.
 */
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { startTestSimulator, type TestSimulator } from '../testing.ts';

const DEBIAN = 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst';

async function waitTask(sim: TestSimulator, upid: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 200; i++) {
    const r = await sim.api('GET', `/nodes/pve/tasks/${encodeURIComponent(upid)}/status`);
    const data = r.body?.data as Record<string, unknown>;
    if (data.status === 'stopped') return data;
    await new Promise((res) => setTimeout(res, 10));
  }
  throw new Error(`task ${upid} did not finish within 2 s`);
}

describe('cluster model over HTTP (schema-validated requests)', () => {
  let sim: TestSimulator;
  beforeEach(async () => {
    // 5% of realistic durations: a linked LXC clone takes 150 ms, long enough to race it.
    sim = await startTestSimulator({ speed: 0.05 });
  });
  afterEach(async () => {
    await sim.stop();
  });

  async function createCt(vmid: number, extra: Record<string, string | number> = {}): Promise<void> {
    const r = await sim.api('POST', '/nodes/pve/lxc', { vmid, ostemplate: DEBIAN, rootfs: 'local-lvm:8', ...extra });
    expect(r.status).toBe(200);
    expect((await waitTask(sim, r.body?.data as string)).exitstatus).toBe('OK');
  }

  it('§3 a duplicate LXC create answers HTTP 500 with the error as reason phrase and message', async () => {
    await createCt(101);
    const r = await sim.api('POST', '/nodes/pve/lxc', { vmid: 101, ostemplate: DEBIAN, rootfs: 'local-lvm:8' });
    expect(r.status).toBe(500);
    expect(r.statusText).toBe("CT 101 already exists on node 'pve'");
    expect(r.body?.data).toBeNull();
    expect(r.body?.message).toBe("CT 101 already exists on node 'pve'\n");
  });

  it('§6.2 the LXC default-storage pitfall is a 400 parameter error on storage over HTTP', async () => {
    // A parameter exception raised by the handler looks like a schema rejection: declare it.
    sim.allowInvalid({ method: 'POST', path: '/nodes/pve/lxc', param: 'storage' });
    const r = await sim.api('POST', '/nodes/pve/lxc', { vmid: 101, ostemplate: DEBIAN });
    expect([r.status, r.statusText]).toEqual([400, 'Parameter verification failed.']);
    expect(r.body?.errors).toEqual({ storage: "storage 'local' does not support container directories" });
  });

  it('§4.3 task status of a token-started task splits user and tokenid; the log has top-level total', async () => {
    const r = await sim.api('POST', '/nodes/pve/lxc', { vmid: 101, ostemplate: DEBIAN, rootfs: 'local-lvm:8' });
    const upid = r.body?.data as string;
    expect(upid).toMatch(/^UPID:pve:[0-9A-F]{8}:[0-9A-F]{8,9}:[0-9A-F]{8}:vzcreate:101:root@pam!phoenix:$/);
    const status = await waitTask(sim, upid);
    expect(status).toMatchObject({
      user: 'root@pam',
      tokenid: 'phoenix',
      exitstatus: 'OK',
      type: 'vzcreate',
      id: '101',
    });
    const log = await sim.api('GET', `/nodes/pve/tasks/${encodeURIComponent(upid)}/log`, { start: 0, limit: 500 });
    const lines = log.body?.data as { n: number; t: string }[];
    expect(log.body?.total).toBe(lines.length);
    expect(lines.at(-1)).toEqual({ n: lines.length, t: 'TASK OK' });
  });

  it('§5.4 parallel LXC clones of one template: the second gets HTTP 500 CT is locked (disk)', async () => {
    await createCt(900);
    expect((await sim.api('POST', '/nodes/pve/lxc/900/template')).body?.data).toBeNull();
    await new Promise((res) => setTimeout(res, 200));
    const first = await sim.api('POST', '/nodes/pve/lxc/900/clone', { newid: 101, hostname: 'web1' });
    expect(first.status).toBe(200);
    const second = await sim.api('POST', '/nodes/pve/lxc/900/clone', { newid: 102, hostname: 'web2' });
    expect([second.status, second.statusText]).toEqual([500, 'CT is locked (disk)']);
    expect((await waitTask(sim, first.body?.data as string)).exitstatus).toBe('OK');
    const cfg = await sim.api('GET', '/nodes/pve/lxc/101/config');
    expect(cfg.body?.data).toMatchObject({ hostname: 'web1', rootfs: 'local-lvm:vm-101-disk-0,size=8G' });
  });

  it('§5.5 QEMU start of a running VM returns a UPID whose task fails', async () => {
    const c = await sim.api('POST', '/nodes/pve/qemu', { vmid: 100, scsi0: 'local-lvm:4', start: 1 });
    await waitTask(sim, c.body?.data as string);
    const r = await sim.api('POST', '/nodes/pve/qemu/100/status/start');
    expect(r.status).toBe(200);
    expect((await waitTask(sim, r.body?.data as string)).exitstatus).toBe('VM 100 already running');
  });

  it('§6.3 doubly-encoded sshkeys are accepted and returned still URL-encoded; cipassword masked', async () => {
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx0ZXN0a2V5 me@host';
    const c = await sim.api('POST', '/nodes/pve/qemu', {
      vmid: 100,
      ide2: 'local-lvm:cloudinit',
      net0: 'virtio,bridge=vmbr0',
    });
    await waitTask(sim, c.body?.data as string);
    const put = await sim.api('PUT', '/nodes/pve/qemu/100/config', {
      sshkeys: encodeURIComponent(key),
      cipassword: 'hunter2',
      ipconfig0: 'ip=10.0.0.20/24,gw=10.0.0.1',
    });
    expect(put.status).toBe(200);
    const cfg = (await sim.api('GET', '/nodes/pve/qemu/100/config')).body?.data as Record<string, unknown>;
    expect(cfg.sshkeys).toBe(encodeURIComponent(key));
    expect(cfg.cipassword).toBe('**********');
  });

  it('§A.5 guest agent exec with a repeated command parameter, then exec-status', async () => {
    const c = await sim.api('POST', '/nodes/pve/qemu', {
      vmid: 100,
      agent: 'enabled=1',
      net0: 'virtio,bridge=vmbr0',
      start: 1,
    });
    await waitTask(sim, c.body?.data as string);
    let ping = await sim.api('POST', '/nodes/pve/qemu/100/agent/ping');
    expect([ping.status, ping.statusText]).toEqual([500, 'QEMU guest agent is not running']);
    await new Promise((res) => setTimeout(res, 450)); // agent boot: 8 s × 0.05
    ping = await sim.api('POST', '/nodes/pve/qemu/100/agent/ping');
    expect(ping.body?.data).toEqual({ result: {} });
    const exec = await sim.api('POST', '/nodes/pve/qemu/100/agent/exec', { command: ['echo', 'hello', 'world'] });
    const pid = (exec.body?.data as { pid: number }).pid;
    const status = await sim.api('GET', '/nodes/pve/qemu/100/agent/exec-status', { pid });
    expect(status.body?.data).toEqual({ exited: 1, exitcode: 0, 'out-data': 'hello world\n' });
  });

  it('§A.7 GET network carries a top-level changes diff while edits are pending', async () => {
    const r = await sim.api('POST', '/nodes/pve/network', {
      iface: 'vmbr1',
      type: 'bridge',
      cidr: '10.1.0.1/24',
      autostart: 1,
    });
    expect(r.status).toBe(200);
    const list = await sim.api('GET', '/nodes/pve/network');
    expect(list.body?.changes).toContain('+iface vmbr1 inet static');
    const apply = await sim.api('PUT', '/nodes/pve/network');
    expect((await waitTask(sim, apply.body?.data as string)).type).toBe('srvreload');
    expect((await sim.api('GET', '/nodes/pve/network')).body?.changes).toBeUndefined();
  });

  it('§A.1 nextid is a JSON string and a used vmid is a 400 with errors.vmid', async () => {
    expect((await sim.api('GET', '/cluster/nextid')).body?.data).toBe('100');
    await createCt(100);
    // PVE raises this as a parameter exception, so it looks like a schema rejection: declare it.
    sim.allowInvalid({ method: 'GET', path: '/cluster/nextid', param: 'vmid' });
    const r = await sim.api('GET', '/cluster/nextid', { vmid: 100 });
    expect(r.status).toBe(400);
    expect(r.body?.errors).toEqual({ vmid: 'VM 100 already exists' });
  });

  it('§5.3 QEMU clone: the new VM reads lock: clone while the task runs', async () => {
    const c = await sim.api('POST', '/nodes/pve/qemu', { vmid: 9000, name: 'tmpl', scsi0: 'local-lvm:8' });
    await waitTask(sim, c.body?.data as string);
    const t = await sim.api('POST', '/nodes/pve/qemu/9000/template');
    await waitTask(sim, t.body?.data as string);
    const clone = await sim.api('POST', '/nodes/pve/qemu/9000/clone', { newid: 120, name: 'app1', full: 1 });
    await new Promise((res) => setTimeout(res, 100));
    const during = await sim.api('GET', '/nodes/pve/qemu/120/config');
    expect((during.body?.data as Record<string, unknown>).lock).toBe('clone');
    expect((await waitTask(sim, clone.body?.data as string)).exitstatus).toBe('OK');
    const after = (await sim.api('GET', '/nodes/pve/qemu/120/config')).body?.data as Record<string, unknown>;
    expect(after).toMatchObject({ name: 'app1', scsi0: 'local-lvm:vm-120-disk-0,size=8G' });
  });
});
