import { describe, it, expect } from 'vitest';
import { apiError, runTask, testModel, DEBIAN } from '../state/test-harness.ts';

const CREATE = '/nodes/{node}/lxc';
const CT = '/nodes/{node}/lxc/{vmid}';

async function ct(m: ReturnType<typeof testModel>, vmid: number, extra: Record<string, unknown> = {}): Promise<void> {
  const task = await runTask(m, 'POST', CREATE, {
    node: 'pve',
    vmid,
    ostemplate: DEBIAN,
    rootfs: 'local-lvm:8',
    hostname: `ct${vmid}`,
    ...extra,
  });
  expect(task.exitstatus).toBe('OK');
}

function config(m: ReturnType<typeof testModel>, vmid: number): Promise<Record<string, unknown>> {
  return m.call('GET', `${CT}/config`, { node: 'pve', vmid }) as Promise<Record<string, unknown>>;
}

describe('LXC containers', () => {
  it('§5.2 creating an existing vmid is a sync 500 naming the existing guest type', async () => {
    const m = testModel();
    await ct(m, 101);
    const err = await apiError(
      m.call('POST', CREATE, { node: 'pve', vmid: 101, ostemplate: DEBIAN, rootfs: 'local-lvm:8' }),
    );
    expect([err.status, err.message]).toEqual([500, "CT 101 already exists on node 'pve'"]);
    await runTask(m, 'POST', '/nodes/{node}/qemu', { node: 'pve', vmid: 200 });
    const vm = await apiError(
      m.call('POST', CREATE, { node: 'pve', vmid: 200, ostemplate: DEBIAN, rootfs: 'local-lvm:8' }),
    );
    expect(vm.message).toBe("VM 200 already exists on node 'pve'");
  });

  it("§6.2 the default storage 'local' does not support container directories (400 on storage)", async () => {
    const err = await apiError(testModel().call('POST', CREATE, { node: 'pve', vmid: 101, ostemplate: DEBIAN }));
    // pve-container raises it with raise_param_exc, so it is a parameter error on `storage`.
    expect([err.status, err.message]).toEqual([400, 'Parameter verification failed.']);
    expect(err.errors).toEqual({ storage: "storage 'local' does not support container directories" });
  });

  it('§6.2 rootfs volumes are named per storage type with canonical size', async () => {
    const m = testModel({
      storages: [
        {
          storage: 'local',
          type: 'dir',
          path: '/var/lib/vz',
          content: ['vztmpl', 'rootdir', 'images'],
          capacity: 1e12,
        },
        {
          storage: 'local-lvm',
          type: 'lvmthin',
          vgname: 'pve',
          thinpool: 'data',
          content: ['rootdir', 'images'],
          capacity: 1e12,
        },
        { storage: 'tank', type: 'zfspool', pool: 'rpool/data', content: ['rootdir', 'images'], capacity: 1e12 },
      ],
    });
    await ct(m, 101);
    await ct(m, 102, { rootfs: 'local:4' });
    await ct(m, 103, { rootfs: 'tank:2' });
    expect((await config(m, 101)).rootfs).toBe('local-lvm:vm-101-disk-0,size=8G');
    expect((await config(m, 102)).rootfs).toBe('local:102/vm-102-disk-0.raw,size=4G');
    expect((await config(m, 103)).rootfs).toBe('tank:subvol-103-disk-0,size=2G');
  });

  it('§A.4 a missing ostemplate fails the vzcreate worker (no sync check) and removes the CT', async () => {
    const m = testModel();
    const task = await runTask(m, 'POST', CREATE, {
      node: 'pve',
      vmid: 101,
      ostemplate: 'local:vztmpl/nope.tar.zst',
      rootfs: 'local-lvm:8',
    });
    expect(task.exitstatus).toBe("unable to create CT 101 - volume 'local:vztmpl/nope.tar.zst' does not exist");
    expect(m.context.guests.has(101)).toBe(false);
    expect(m.context.storage.volumesOf('pve', 101)).toEqual([]);
  });

  it('§A.4 create writes the hostname/memory/swap defaults', async () => {
    const m = testModel();
    await runTask(m, 'POST', CREATE, { node: 'pve', vmid: 101, ostemplate: DEBIAN, rootfs: 'local-lvm:8' });
    expect(await config(m, 101)).toMatchObject({
      hostname: 'CT101',
      memory: 512,
      swap: 512,
      arch: 'amd64',
      ostype: 'debian',
    });
  });

  it('§A.4 net0 gets a BC:24:11 hwaddr and type=veth, printed canonically', async () => {
    const m = testModel();
    await ct(m, 101, { net0: 'bridge=vmbr0,name=eth0,ip=10.0.0.2/24,gw=10.0.0.1,firewall=1' });
    expect((await config(m, 101)).net0).toMatch(
      /^name=eth0,bridge=vmbr0,firewall=1,gw=10\.0\.0\.1,hwaddr=BC:24:11:[0-9A-F:]{8},ip=10\.0\.0\.2\/24,type=veth$/,
    );
  });

  it('§A.4 the config carries lock: create while vzcreate runs, and a digest', async () => {
    const m = testModel();
    const upid = (await m.call('POST', CREATE, {
      node: 'pve',
      vmid: 101,
      ostemplate: DEBIAN,
      rootfs: 'local-lvm:8',
    })) as string;
    const during = await config(m, 101);
    expect(during.lock).toBe('create');
    await m.waitTask(upid);
    const after = await config(m, 101);
    expect(after.lock).toBeUndefined();
    expect(after.digest).toMatch(/^[0-9a-f]{40}$/);
    expect(after.digest).not.toBe(during.digest);
  });

  it('§5.5 LXC start/stop/reboot errors are synchronous 500s', async () => {
    const m = testModel();
    await ct(m, 101);
    expect((await apiError(m.call('POST', `${CT}/status/stop`, { node: 'pve', vmid: 101 }))).message).toBe(
      'CT 101 not running',
    );
    expect((await apiError(m.call('POST', `${CT}/status/shutdown`, { node: 'pve', vmid: 101 }))).message).toBe(
      'CT 101 not running',
    );
    expect((await apiError(m.call('POST', `${CT}/status/reboot`, { node: 'pve', vmid: 101 }))).message).toBe(
      'VM 101 not running',
    );
    expect((await runTask(m, 'POST', `${CT}/status/start`, { node: 'pve', vmid: 101 })).type).toBe('vzstart');
    expect((await apiError(m.call('POST', `${CT}/status/start`, { node: 'pve', vmid: 101 }))).message).toBe(
      'CT 101 already running',
    );
    const status = (await m.call('GET', `${CT}/status/current`, { node: 'pve', vmid: 101 })) as Record<string, unknown>;
    expect(status).toMatchObject({ status: 'running', vmid: 101, name: 'ct101' });
  });

  it('§5.4 a second clone of the same template fails with CT is locked (disk)', async () => {
    const m = testModel();
    await ct(m, 900);
    await m.call('POST', `${CT}/template`, { node: 'pve', vmid: 900 });
    await new Promise((r) => setTimeout(r, 10));
    const first = (await m.call('POST', `${CT}/clone`, { node: 'pve', vmid: 900, newid: 101 })) as string;
    expect(first).toContain(':vzclone:900:');
    const err = await apiError(m.call('POST', `${CT}/clone`, { node: 'pve', vmid: 900, newid: 102 }));
    expect([err.status, err.message]).toEqual([500, 'CT is locked (disk)']);
    expect((await config(m, 101)).lock).toBe('create');
    expect((await m.waitTask(first))?.exitstatus).toBe('OK');
    expect((await config(m, 900)).lock).toBeUndefined();
    expect((await config(m, 101)).rootfs).toBe('local-lvm:vm-101-disk-0,size=8G');
  });

  it("§5.4 'storage' is not allowed for linked clones", async () => {
    const m = testModel();
    await ct(m, 900);
    await m.call('POST', `${CT}/template`, { node: 'pve', vmid: 900 });
    await new Promise((r) => setTimeout(r, 10));
    const err = await apiError(
      m.call('POST', `${CT}/clone`, { node: 'pve', vmid: 900, newid: 101, storage: 'local-lvm' }),
    );
    expect(err.status).toBe(400);
    expect(err.errors).toEqual({ storage: "parameter 'storage' not allowed for linked clones" });
  });

  it('§5.4 a linked clone of a plain CT is refused; a full clone from a snapshot uses its config', async () => {
    const m = testModel();
    await ct(m, 100, { memory: 512 });
    const err = await apiError(m.call('POST', `${CT}/clone`, { node: 'pve', vmid: 100, newid: 101, full: 0 }));
    expect(err.message).toBe("Linked clone feature for 'local-lvm:vm-100-disk-0' is not available");
    expect((await config(m, 100)).lock).toBeUndefined();
    await runTask(m, 'POST', `${CT}/snapshot`, { node: 'pve', vmid: 100, snapname: 's1' });
    await m.call('PUT', `${CT}/config`, { node: 'pve', vmid: 100, memory: 2048 });
    expect(
      (await runTask(m, 'POST', `${CT}/clone`, { node: 'pve', vmid: 100, newid: 101, full: 1, snapname: 's1' }))
        .exitstatus,
    ).toBe('OK');
    expect((await config(m, 101)).memory).toBe(512);
  });

  it('§5.6 a stale digest on PUT config is refused', async () => {
    const m = testModel();
    await ct(m, 101);
    const { digest } = await config(m, 101);
    await m.call('PUT', `${CT}/config`, { node: 'pve', vmid: 101, memory: 1024, digest });
    const err = await apiError(m.call('PUT', `${CT}/config`, { node: 'pve', vmid: 101, memory: 2048, digest }));
    expect(err.message).toBe('detected modified configuration - file changed by other user? Try again.');
    expect((await config(m, 101)).memory).toBe(1024);
  });

  it('§A.4 PUT config with delete= removes keys; an empty call says no options specified', async () => {
    const m = testModel();
    await ct(m, 101, { onboot: 1, tags: 'web' });
    await m.call('PUT', `${CT}/config`, { node: 'pve', vmid: 101, delete: 'onboot,tags' });
    const c = await config(m, 101);
    expect(c.onboot).toBeUndefined();
    expect(c.tags).toBeUndefined();
    expect((await apiError(m.call('PUT', `${CT}/config`, { node: 'pve', vmid: 101 }))).message).toBe(
      'no options specified',
    );
  });

  it('§A.4 template returns null and renames volumes to base-', async () => {
    const m = testModel();
    await ct(m, 900);
    expect(await m.call('POST', `${CT}/template`, { node: 'pve', vmid: 900 })).toBeNull();
    await new Promise((r) => setTimeout(r, 10));
    const c = await config(m, 900);
    expect(c.template).toBe(1);
    expect(c.rootfs).toBe('local-lvm:base-900-disk-0,size=8G');
    expect((await apiError(m.call('POST', `${CT}/template`, { node: 'pve', vmid: 900 }))).message).toBe(
      "you can't convert a template to a template",
    );
  });

  it('§A.4 resize grows with + syntax and refuses to shrink', async () => {
    const m = testModel();
    await ct(m, 101);
    expect(
      (await apiError(m.call('PUT', `${CT}/resize`, { node: 'pve', vmid: 101, disk: 'rootfs', size: '4G' }))).message,
    ).toBe('unable to shrink disk size');
    expect(
      (await apiError(m.call('PUT', `${CT}/resize`, { node: 'pve', vmid: 101, disk: 'rootfs', size: '8G' }))).message,
    ).toBe('disk is already at specified size');
    expect(
      (await runTask(m, 'PUT', `${CT}/resize`, { node: 'pve', vmid: 101, disk: 'rootfs', size: '+2G' })).exitstatus,
    ).toBe('OK');
    expect((await config(m, 101)).rootfs).toBe('local-lvm:vm-101-disk-0,size=10G');
  });

  it('§A.4 snapshots form a parent chain ending at current, and delete re-links it', async () => {
    const m = testModel();
    await ct(m, 101);
    await runTask(m, 'POST', `${CT}/snapshot`, { node: 'pve', vmid: 101, snapname: 'a' });
    await runTask(m, 'POST', `${CT}/snapshot`, { node: 'pve', vmid: 101, snapname: 'b', description: 'second' });
    const dup = await runTask(m, 'POST', `${CT}/snapshot`, { node: 'pve', vmid: 101, snapname: 'a' });
    expect(dup.exitstatus).toBe("snapshot name 'a' already used");
    const list = (await m.call('GET', `${CT}/snapshot`, { node: 'pve', vmid: 101 })) as Record<string, unknown>[];
    expect(list.find((s) => s.name === 'b')).toMatchObject({ parent: 'a', description: 'second' });
    expect(list.find((s) => s.name === 'current')).toMatchObject({ parent: 'b', description: 'You are here!' });
    await runTask(m, 'DELETE', `${CT}/snapshot/{snapname}`, { node: 'pve', vmid: 101, snapname: 'a' });
    const after = (await m.call('GET', `${CT}/snapshot`, { node: 'pve', vmid: 101 })) as Record<string, unknown>[];
    expect(after.find((s) => s.name === 'b')?.parent).toBeUndefined();
  });

  it('§6.2 snapshots on raw files of a dir storage fail with snapshot feature is not available', async () => {
    const m = testModel({
      storages: [
        { storage: 'local', type: 'dir', path: '/var/lib/vz', content: ['vztmpl', 'rootdir'], capacity: 1e12 },
      ],
    });
    await ct(m, 101, { rootfs: 'local:4' });
    const task = await runTask(m, 'POST', `${CT}/snapshot`, { node: 'pve', vmid: 101, snapname: 'a' });
    expect(task.exitstatus).toBe('snapshot feature is not available');
  });

  it('§A.4 rollback restores the snapshot config', async () => {
    const m = testModel();
    await ct(m, 101, { memory: 512 });
    await runTask(m, 'POST', `${CT}/snapshot`, { node: 'pve', vmid: 101, snapname: 'before' });
    await m.call('PUT', `${CT}/config`, { node: 'pve', vmid: 101, memory: 4096 });
    await runTask(m, 'POST', `${CT}/snapshot/{snapname}/rollback`, { node: 'pve', vmid: 101, snapname: 'before' });
    expect((await config(m, 101)).memory).toBe(512);
  });

  it('§A.4 destroy refuses a running CT and a protected CT, then frees volumes', async () => {
    const m = testModel();
    await ct(m, 101, { start: 1 });
    expect((await apiError(m.call('DELETE', CT, { node: 'pve', vmid: 101 }))).message).toBe(
      'unable to destroy CT 101 - container is running',
    );
    await runTask(m, 'POST', `${CT}/status/stop`, { node: 'pve', vmid: 101 });
    await m.call('PUT', `${CT}/config`, { node: 'pve', vmid: 101, protection: 1 });
    expect((await apiError(m.call('DELETE', CT, { node: 'pve', vmid: 101 }))).message).toBe(
      "can't remove CT 101 - protection mode enabled",
    );
    await m.call('PUT', `${CT}/config`, { node: 'pve', vmid: 101, delete: 'protection' });
    expect((await runTask(m, 'DELETE', CT, { node: 'pve', vmid: 101, purge: 1 })).type).toBe('vzdestroy');
    expect(m.context.storage.volumesOf('pve', 101)).toEqual([]);
    const missing = await apiError(config(m, 101));
    expect(missing.message).toBe("Configuration file 'nodes/pve/lxc/101.conf' does not exist");
  });

  it('§A.4 interfaces of a running CT show static and DHCP addresses', async () => {
    const m = testModel();
    await ct(m, 101, {
      net0: 'name=eth0,bridge=vmbr0,ip=10.0.0.2/24',
      net1: 'name=eth1,bridge=vmbr0,ip=dhcp',
      start: 1,
    });
    const ifs = (await m.call('GET', `${CT}/interfaces`, { node: 'pve', vmid: 101 })) as Record<string, unknown>[];
    expect(ifs.find((i) => i.name === 'eth0')?.inet).toBe('10.0.0.2/24');
    expect(ifs.find((i) => i.name === 'eth1')?.inet).toMatch(/^192\.168\.100\.\d+\/24$/);
    await runTask(m, 'POST', `${CT}/status/stop`, { node: 'pve', vmid: 101 });
    expect((await apiError(m.call('GET', `${CT}/interfaces`, { node: 'pve', vmid: 101 }))).status).toBe(500);
  });
});
