import { describe, it, expect } from 'vitest';
import { apiError, NO_FAULTS, runTask, testModel } from '../state/test-harness.ts';
import { createSimModel, createVirtualClock } from '../state/index.ts';

const VM = '/nodes/{node}/qemu/{vmid}';
type Model = ReturnType<typeof testModel>;

async function vm(m: Model, vmid: number, extra: Record<string, unknown> = {}): Promise<void> {
  const task = await runTask(m, 'POST', '/nodes/{node}/qemu', {
    node: 'pve',
    vmid,
    name: `vm${vmid}`,
    scsi0: 'local-lvm:32',
    net0: 'virtio,bridge=vmbr0',
    ...extra,
  });
  expect(task.exitstatus).toBe('OK');
}

function config(m: Model, vmid: number, extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  return m.call('GET', `${VM}/config`, { node: 'pve', vmid, ...extra }) as Promise<Record<string, unknown>>;
}

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx0ZXN0a2V5 me@host';

describe('QEMU virtual machines', () => {
  it('§5.2 creating an existing vmid: unable to create VM … already exists on node', async () => {
    const m = testModel();
    await vm(m, 100);
    const err = await apiError(m.call('POST', '/nodes/{node}/qemu', { node: 'pve', vmid: 100 }));
    expect([err.status, err.message]).toEqual([500, "unable to create VM 100 - VM 100 already exists on node 'pve'"]);
  });

  it('§6.2 disks are allocated as vm-<id>-disk-N with size; cloud-init as media=cdrom', async () => {
    const m = testModel();
    await vm(m, 100, { scsi1: 'local-lvm:8,iothread=1', ide2: 'local-lvm:cloudinit' });
    const c = await config(m, 100);
    expect(c.scsi0).toBe('local-lvm:vm-100-disk-0,size=32G');
    expect(c.scsi1).toBe('local-lvm:vm-100-disk-1,iothread=1,size=8G');
    expect(c.ide2).toBe('local-lvm:vm-100-cloudinit,media=cdrom');
    expect(c.net0).toMatch(/^virtio=BC:24:11:[0-9A-F]{2}:[0-9A-F]{2}:[0-9A-F]{2},bridge=vmbr0$/);
    expect(c.smbios1).toMatch(/^uuid=[0-9a-f-]{36}$/);
    expect(c.boot).toBe('order=scsi0;net0');
  });

  it('§6.2 file storages default to raw and put cloud-init in qcow2', async () => {
    const m = testModel({
      storages: [{ storage: 'local', type: 'dir', path: '/var/lib/vz', content: ['images', 'vztmpl'], capacity: 1e12 }],
    });
    await runTask(m, 'POST', '/nodes/{node}/qemu', {
      node: 'pve',
      vmid: 100,
      scsi0: 'local:4',
      ide2: 'local:cloudinit',
    });
    const c = await config(m, 100);
    expect(c.scsi0).toBe('local:100/vm-100-disk-0.raw,size=4G');
    expect(c.ide2).toBe('local:100/vm-100-cloudinit.qcow2,media=cdrom');
  });

  it('§6.3 a second cloud-init drive is refused', async () => {
    const m = testModel();
    await vm(m, 100, { ide2: 'local-lvm:cloudinit' });
    const err = await apiError(m.call('PUT', `${VM}/config`, { node: 'pve', vmid: 100, ide3: 'local-lvm:cloudinit' }));
    expect(err.message).toBe("ide3 - cloud-init drive is already attached at 'ide2'");
  });

  it('§5.5 QEMU start always returns a UPID; already running is a task error', async () => {
    const m = testModel();
    await vm(m, 100);
    expect((await runTask(m, 'POST', `${VM}/status/start`, { node: 'pve', vmid: 100 })).exitstatus).toBe('OK');
    const again = await runTask(m, 'POST', `${VM}/status/start`, { node: 'pve', vmid: 100 });
    expect(again.exitstatus).toBe('VM 100 already running');
    expect(again.log.at(-1)).toBe('TASK ERROR: VM 100 already running');
  });

  it('§5.5 QEMU stop on a stopped VM is a no-op task OK; reboot of a stopped VM is a sync 500', async () => {
    const m = testModel();
    await vm(m, 100);
    expect((await runTask(m, 'POST', `${VM}/status/stop`, { node: 'pve', vmid: 100 })).exitstatus).toBe('OK');
    expect((await apiError(m.call('POST', `${VM}/status/reboot`, { node: 'pve', vmid: 100 }))).message).toBe(
      'VM 100 not running',
    );
  });

  it('§5.5 shutdown of a guest ignoring ACPI fails after the timeout unless forceStop', async () => {
    const m = testModel();
    await vm(m, 100, { start: 1 });
    m.control('ignore-shutdown', { vmid: 100 });
    const failed = await runTask(m, 'POST', `${VM}/status/shutdown`, { node: 'pve', vmid: 100, timeout: 30 });
    expect(failed.exitstatus).toBe('VM quit/powerdown failed - got timeout');
    expect(m.context.guests.get(100)?.status).toBe('running');
    const forced = await runTask(m, 'POST', `${VM}/status/shutdown`, { node: 'pve', vmid: 100, forceStop: 1 });
    expect(forced.exitstatus).toBe('OK');
    expect(m.context.guests.get(100)?.status).toBe('stopped');
  });

  it("§5.5 starting a template is a task error: you can't start a vm if it's a template", async () => {
    const m = testModel();
    await vm(m, 9000);
    await runTask(m, 'POST', `${VM}/template`, { node: 'pve', vmid: 9000 });
    expect((await config(m, 9000)).scsi0).toBe('local-lvm:base-9000-disk-0,size=32G');
    const task = await runTask(m, 'POST', `${VM}/status/start`, { node: 'pve', vmid: 9000 });
    expect(task.exitstatus).toBe("you can't start a vm if it's a template");
  });

  it('§5.3 during a clone the target shows lock: clone and config writes time out on the flock', async () => {
    const clock = createVirtualClock();
    const m = createSimModel({
      nodes: [{ name: 'pve', cores: 8, memoryMiB: 32768 }],
      speed: 1,
      clock,
      faults: NO_FAULTS,
      seed: 7,
    });
    const create = (await m.call('POST', '/nodes/{node}/qemu', {
      node: 'pve',
      vmid: 9000,
      name: 'tmpl',
      scsi0: 'local-lvm:32',
      net0: 'virtio,bridge=vmbr0',
    })) as string;
    await clock.advance(5000);
    expect((await m.waitTask(create))?.exitstatus).toBe('OK');
    const tmpl = (await m.call('POST', `${VM}/template`, { node: 'pve', vmid: 9000 })) as string;
    await clock.advance(5000);
    expect((await m.waitTask(tmpl))?.exitstatus).toBe('OK');
    const clone = (await m.call('POST', `${VM}/clone`, {
      node: 'pve',
      vmid: 9000,
      newid: 120,
      name: 'app1',
      full: 1,
    })) as string;
    expect(clone).toContain(':qmclone:9000:');
    await clock.advance(100);
    expect((await config(m, 120)).lock).toBe('clone');
    let err: unknown;
    const put = m
      .call('PUT', `${VM}/config`, { node: 'pve', vmid: 120, memory: '4096' })
      .catch((e: unknown) => (err = e));
    await clock.advance(10_001);
    await put;
    expect((err as Error).message).toBe("can't lock file '/var/lock/qemu-server/lock-120.conf' - got timeout");
    // Checks that only inspect the config lock (no flock) fail at once with VM is locked (clone).
    const tmplErr = await m.call('POST', `${VM}/template`, { node: 'pve', vmid: 120 }).catch((e: unknown) => e);
    expect((tmplErr as Error).message).toBe('VM is locked (clone)');
    await clock.advance(20_000);
    expect((await m.waitTask(clone))?.exitstatus).toBe('OK');
    const c = await config(m, 120);
    expect(c.lock).toBeUndefined();
    expect(c.name).toBe('app1');
    expect(c.scsi0).toBe('local-lvm:vm-120-disk-0,size=32G');
    expect(c.template).toBeUndefined();
    m.close();
  });

  it('§5.3 at speed 0 a config write on a clone target waits for the instant clone and succeeds', async () => {
    const m = testModel();
    await runTask(m, 'POST', '/nodes/{node}/qemu', {
      node: 'pve',
      vmid: 9000,
      scsi0: 'local-lvm:4',
      scsi1: 'local-lvm:4',
    });
    await runTask(m, 'POST', '/nodes/{node}/qemu/{vmid}/template', { node: 'pve', vmid: 9000 });
    const clone = (await m.call('POST', '/nodes/{node}/qemu/{vmid}/clone', {
      node: 'pve',
      vmid: 9000,
      newid: 101,
      full: 1,
    })) as string;
    for (let i = 0; i < 5; i++) await Promise.resolve();
    expect(m.context.guests.get(101)?.config.lock).toBe('clone');
    expect(await m.call('PUT', '/nodes/{node}/qemu/{vmid}/config', { node: 'pve', vmid: 101, name: 'x' })).toBeNull();
    expect((await m.waitTask(clone))?.exitstatus).toBe('OK');
  });

  it('§5.3 parallel linked clones of one stopped template both succeed (shared source flock)', async () => {
    const m = testModel();
    await vm(m, 9000, { ide2: 'local-lvm:cloudinit' });
    await runTask(m, 'POST', `${VM}/template`, { node: 'pve', vmid: 9000 });
    const a = (await m.call('POST', `${VM}/clone`, { node: 'pve', vmid: 9000, newid: 101 })) as string;
    const b = (await m.call('POST', `${VM}/clone`, { node: 'pve', vmid: 9000, newid: 102 })) as string;
    expect((await m.waitTask(a))?.exitstatus).toBe('OK');
    expect((await m.waitTask(b))?.exitstatus).toBe('OK');
    const c = await config(m, 102);
    expect(c.name).toBe('Copy-of-VM-vm9000');
    expect(c.ide2).toBe('local-lvm:vm-102-cloudinit,media=cdrom');
    expect(c.net0).not.toBe((await config(m, 9000)).net0);
  });

  it('§5.3 clone to an existing vmid and linked clone with storage are refused synchronously', async () => {
    const m = testModel();
    await vm(m, 9000);
    await vm(m, 101);
    await runTask(m, 'POST', `${VM}/template`, { node: 'pve', vmid: 9000 });
    expect((await apiError(m.call('POST', `${VM}/clone`, { node: 'pve', vmid: 9000, newid: 101 }))).message).toBe(
      'unable to create VM 101: config file already exists',
    );
    const linked = await apiError(
      m.call('POST', `${VM}/clone`, { node: 'pve', vmid: 9000, newid: 102, storage: 'local-lvm' }),
    );
    expect(linked.errors).toEqual({ storage: "parameter 'storage' not allowed for linked clones" });
  });

  it('§A.5 a linked clone of a non-template is refused; from a snapshot it is allowed', async () => {
    const m = testModel();
    await vm(m, 100);
    const err = await apiError(m.call('POST', `${VM}/clone`, { node: 'pve', vmid: 100, newid: 101, full: 0 }));
    expect([err.status, err.message]).toEqual([
      500,
      "Linked clone feature is not supported for 'local-lvm:vm-100-disk-0' (scsi0)",
    ]);
    await runTask(m, 'POST', `${VM}/snapshot`, { node: 'pve', vmid: 100, snapname: 's1' });
    expect(
      (await runTask(m, 'POST', `${VM}/clone`, { node: 'pve', vmid: 100, newid: 101, full: 0, snapname: 's1' }))
        .exitstatus,
    ).toBe('OK');
  });

  it('§6.1 tags are stored unique, lower-case, sorted and ;-joined (get_unique_tags)', async () => {
    const m = testModel();
    await vm(m, 100, { tags: 'Web,phoenix;db web' });
    expect((await config(m, 100)).tags).toBe('db;phoenix;web');
  });

  it('§5.6 a stale digest on QEMU PUT config: checksum mismatch', async () => {
    const m = testModel();
    await vm(m, 100);
    const { digest } = await config(m, 100);
    await m.call('PUT', `${VM}/config`, { node: 'pve', vmid: 100, cores: 2 });
    const err = await apiError(m.call('PUT', `${VM}/config`, { node: 'pve', vmid: 100, cores: 4, digest }));
    expect(err.message).toBe('checksum mismatch (file change by other user?)');
  });

  it('§5.1 a config lock blocks updates unless skiplock', async () => {
    const m = testModel();
    await vm(m, 100);
    m.control('set-lock', { vmid: 100, lock: 'backup' });
    expect((await apiError(m.call('PUT', `${VM}/config`, { node: 'pve', vmid: 100, cores: 2 }))).message).toBe(
      'VM is locked (backup)',
    );
    await m.call('PUT', `${VM}/config`, { node: 'pve', vmid: 100, delete: 'lock', skiplock: 1 });
    expect((await config(m, 100)).lock).toBeUndefined();
  });

  it('§A.5 changes to a running VM land in pending; current=1 shows the active config', async () => {
    const m = testModel();
    await vm(m, 100, { cores: 1, start: 1 });
    await m.call('PUT', `${VM}/config`, { node: 'pve', vmid: 100, cores: 4, name: 'renamed' });
    expect((await config(m, 100)).cores).toBe(4);
    expect((await config(m, 100, { current: 1 })).cores).toBe(1);
    expect((await config(m, 100, { current: 1 })).name).toBe('renamed');
    const pending = (await m.call('GET', `${VM}/pending`, { node: 'pve', vmid: 100 })) as Record<string, unknown>[];
    // Pending rows carry strings (the schema's `value`/`pending` are strings).
    expect(pending.find((p) => p.key === 'cores')).toEqual({ key: 'cores', value: '1', pending: '4' });
    await runTask(m, 'POST', `${VM}/status/reboot`, { node: 'pve', vmid: 100 });
    expect((await config(m, 100, { current: 1 })).cores).toBe(4);
  });

  it('§6.3 cipassword is masked, sshkeys stays URL-encoded, invalid keys are refused', async () => {
    const m = testModel();
    await vm(m, 100, { ide2: 'local-lvm:cloudinit' });
    const encoded = encodeURIComponent(KEY);
    await m.call('PUT', `${VM}/config`, {
      node: 'pve',
      vmid: 100,
      cipassword: 'secret',
      ciuser: 'ops',
      sshkeys: encoded,
      ipconfig0: 'ip=10.0.0.20/24,gw=10.0.0.1',
    });
    const c = await config(m, 100);
    expect(c.cipassword).toBe('**********');
    expect(c.sshkeys).toBe(encoded);
    expect(JSON.stringify(c)).not.toContain('secret');
    const err = await apiError(
      m.call('PUT', `${VM}/config`, { node: 'pve', vmid: 100, sshkeys: encodeURIComponent('not a key') }),
    );
    expect(err.message).toBe('SSH public key validation error');
    const user = (await m.call('GET', `${VM}/cloudinit/dump`, { node: 'pve', vmid: 100, type: 'user' })) as string;
    expect(user).toContain(`  - ${KEY}`);
    const net = (await m.call('GET', `${VM}/cloudinit/dump`, { node: 'pve', vmid: 100, type: 'network' })) as string;
    expect(net).toContain("address: '10.0.0.20/24'");
  });

  it('§6.3 GET cloudinit shows pending values until the drive is regenerated', async () => {
    const m = testModel();
    await vm(m, 100, { ide2: 'local-lvm:cloudinit', ciuser: 'a', start: 1 });
    await m.call('PUT', `${VM}/config`, { node: 'pve', vmid: 100, ciuser: 'b' });
    const rows = (await m.call('GET', `${VM}/cloudinit`, { node: 'pve', vmid: 100 })) as Record<string, unknown>[];
    expect(rows.find((r) => r.key === 'ciuser')).toEqual({ key: 'ciuser', value: 'a', pending: 'b' });
    await m.call('PUT', `${VM}/cloudinit`, { node: 'pve', vmid: 100 });
    const after = (await m.call('GET', `${VM}/cloudinit`, { node: 'pve', vmid: 100 })) as Record<string, unknown>[];
    expect(after.find((r) => r.key === 'ciuser')).toEqual({ key: 'ciuser', value: 'b' });
  });

  it('§A.5 POST config with background_delay returns null when the task finished in time', async () => {
    const m = testModel();
    await vm(m, 100);
    expect(
      await m.call('POST', `${VM}/config`, { node: 'pve', vmid: 100, memory: '4096', background_delay: 5 }),
    ).toBeNull();
    expect((await config(m, 100)).memory).toBe('4096');
    const upid = await m.call('POST', `${VM}/config`, { node: 'pve', vmid: 100, cores: 2 });
    expect(upid).toContain(':qmconfig:100:');
  });

  it('§A.5 resize checks happen in the task: shrink fails, + grows', async () => {
    const m = testModel();
    await vm(m, 100);
    expect(
      (await runTask(m, 'PUT', `${VM}/resize`, { node: 'pve', vmid: 100, disk: 'scsi0', size: '16G' })).exitstatus,
    ).toBe('shrinking disks is not supported');
    expect(
      (await runTask(m, 'PUT', `${VM}/resize`, { node: 'pve', vmid: 100, disk: 'scsi5', size: '+1G' })).exitstatus,
    ).toBe("disk 'scsi5' does not exist");
    expect(
      (await runTask(m, 'PUT', `${VM}/resize`, { node: 'pve', vmid: 100, disk: 'scsi0', size: '+8G' })).exitstatus,
    ).toBe('OK');
    expect((await config(m, 100)).scsi0).toBe('local-lvm:vm-100-disk-0,size=40G');
  });

  it('§A.5 destroy: running VM is refused; destroy frees the volumes', async () => {
    const m = testModel();
    await vm(m, 100, { start: 1 });
    expect((await apiError(m.call('DELETE', VM, { node: 'pve', vmid: 100 }))).message).toBe(
      'VM 100 is running - destroy failed',
    );
    await runTask(m, 'POST', `${VM}/status/stop`, { node: 'pve', vmid: 100 });
    expect((await runTask(m, 'DELETE', VM, { node: 'pve', vmid: 100, purge: 1 })).exitstatus).toBe('OK');
    expect(m.context.storage.volumesOf('pve', 100)).toEqual([]);
    expect((await apiError(config(m, 100))).message).toBe(
      "Configuration file 'nodes/pve/qemu-server/100.conf' does not exist",
    );
  });

  it('§A.5 QEMU destroy checks the lock inside the task', async () => {
    const m = testModel();
    await vm(m, 100);
    m.control('set-lock', { vmid: 100, lock: 'clone' });
    expect((await runTask(m, 'DELETE', VM, { node: 'pve', vmid: 100 })).exitstatus).toBe('VM is locked (clone)');
  });

  it('§A.5 snapshots with rollback on QEMU', async () => {
    const m = testModel();
    await vm(m, 100, { cores: 1 });
    await runTask(m, 'POST', `${VM}/snapshot`, { node: 'pve', vmid: 100, snapname: 's1' });
    await m.call('PUT', `${VM}/config`, { node: 'pve', vmid: 100, cores: 8 });
    expect(
      (await runTask(m, 'POST', `${VM}/snapshot/{snapname}/rollback`, { node: 'pve', vmid: 100, snapname: 's1' })).type,
    ).toBe('qmrollback');
    expect((await config(m, 100)).cores).toBe(1);
    expect((await config(m, 100)).parent).toBe('s1');
    expect((await apiError(m.call('POST', `${VM}/template`, { node: 'pve', vmid: 100 }))).message).toBe(
      'unable to create template, because VM contains snapshots',
    );
    await runTask(m, 'DELETE', `${VM}/snapshot/{snapname}`, { node: 'pve', vmid: 100, snapname: 's1' });
    await runTask(m, 'POST', `${VM}/template`, { node: 'pve', vmid: 100 });
    const snap = await runTask(m, 'POST', `${VM}/snapshot`, { node: 'pve', vmid: 100, snapname: 's2' });
    expect(snap.exitstatus).toBe("you can't take a snapshot if it's a template");
  });
});
