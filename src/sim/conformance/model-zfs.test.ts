/**
 * Disks and ZFS pools. PVE_API_SPEC.md is silent on `/nodes/{node}/disks`: shapes cite the 8.4
 * schema (apidata-pve8.4.json), checks pve-manager `API2/Disks/ZFS.pm`.
 */
import { describe, it, expect } from 'vitest';
import { apiError, runTask, testModel } from '../state/test-harness.ts';
import { startTestSimulator } from '../testing.ts';

const devpaths = (rows: unknown) => (rows as { devpath: string }[]).map((d) => d.devpath);

describe('disks and ZFS pools (schema /nodes/{node}/disks/*)', () => {
  it('schema disks/list type=unused: a fresh node has unused sdb, sdc, sdd; sda is in use', async () => {
    const m = testModel();
    const all = (await m.call('GET', '/nodes/{node}/disks/list', { node: 'pve' })) as Record<string, unknown>[];
    expect(devpaths(all)).toEqual(['/dev/sda', '/dev/sdb', '/dev/sdc', '/dev/sdd']);
    expect(all[0]).toMatchObject({ used: 'LVM' });
    expect(devpaths(await m.call('GET', '/nodes/{node}/disks/list', { node: 'pve', type: 'unused' }))).toEqual([
      '/dev/sdb',
      '/dev/sdc',
      '/dev/sdd',
    ]);
  });

  it('schema POST disks/zfs: zfscreate task; the pool is listed, its disks are no longer unused', async () => {
    const m = testModel();
    const task = await runTask(m, 'POST', '/nodes/{node}/disks/zfs', {
      node: 'pve',
      name: 'tank',
      raidlevel: 'mirror',
      devices: '/dev/sdb,/dev/sdc',
      ashift: 12,
      compression: 'lz4',
    });
    expect(task.upid).toContain(':zfscreate:tank:');
    expect(task.exitstatus).toBe('OK');
    const pools = (await m.call('GET', '/nodes/{node}/disks/zfs', { node: 'pve' })) as Record<string, unknown>[];
    expect(pools).toEqual([expect.objectContaining({ name: 'tank', health: 'ONLINE', size: 1000 * 1024 ** 3 })]);
    expect(devpaths(await m.call('GET', '/nodes/{node}/disks/list', { node: 'pve', type: 'unused' }))).toEqual([
      '/dev/sdd',
    ]);
    const detail = (await m.call('GET', '/nodes/{node}/disks/zfs/{name}', { node: 'pve', name: 'tank' })) as {
      state: string;
      children: { name: string; children: { name: string; children: { name: string }[] }[] }[];
    };
    expect(detail.state).toBe('ONLINE');
    expect(detail.children[0]?.children[0]?.name).toBe('mirror-0');
    expect(detail.children[0]?.children[0]?.children.map((c) => c.name)).toEqual(['sdb', 'sdc']);
    // Without add_storage no storage is defined.
    expect(m.context.storage.configs.has('tank')).toBe(false);
  });

  it('ZFS.pm: raid level vs device count, unknown and used disks, existing pool are 500s', async () => {
    const m = testModel();
    const create = (raidlevel: string, devices: string, name = 'tank') =>
      apiError(m.call('POST', '/nodes/{node}/disks/zfs', { node: 'pve', name, raidlevel, devices }));
    expect((await create('mirror', 'sdb')).message).toBe('mirror needs at least 2 disks');
    expect((await create('raidz', 'sdb,sdc')).message).toBe('raidz needs at least 3 disks');
    expect((await create('raid10', 'sdb,sdc,sdd')).message).toBe('raid10 needs an even number of disks');
    expect((await create('single', 'sdb,sdc')).message).toBe('please give only one disk for single disk mode');
    expect((await create('single', '/dev/sdx')).message).toBe("no such block device '/dev/sdx'");
    expect((await create('single', '/dev/sda')).message).toBe("device '/dev/sda' is already in use");
    await runTask(m, 'POST', '/nodes/{node}/disks/zfs', {
      node: 'pve',
      name: 'tank',
      raidlevel: 'single',
      devices: 'sdb',
    });
    expect((await create('single', 'sdc')).message).toBe("pool 'tank' already exists on node 'pve'");
    expect((await create('single', 'sdb', 'other')).message).toBe("device '/dev/sdb' is already in use");
    expect((await create('raidz', 'sdb,sdc,sdd', 'x')).status).toBe(500);
  });

  it('schema add_storage=1: a zfspool storage named like the pool, on this node only', async () => {
    const m = testModel();
    await runTask(m, 'POST', '/nodes/{node}/disks/zfs', {
      node: 'pve',
      name: 'tank',
      raidlevel: 'mirror',
      devices: 'sdb,sdc',
      add_storage: 1,
    });
    expect(m.context.storage.get('tank')).toMatchObject({
      type: 'zfspool',
      pool: 'tank',
      nodes: ['pve'],
      content: ['images', 'rootdir'],
    });
    const again = await apiError(
      m.call('POST', '/nodes/{node}/disks/zfs', { node: 'pve', name: 'tank', raidlevel: 'single', devices: 'sdd' }),
    );
    expect(again.message).toBe("pool 'tank' already exists on node 'pve'");
  });

  it('schema DELETE disks/zfs/{name}: zfsremove; cleanup-config drops the storage, cleanup-disks frees disks', async () => {
    const m = testModel();
    await runTask(m, 'POST', '/nodes/{node}/disks/zfs', {
      node: 'pve',
      name: 'tank',
      raidlevel: 'mirror',
      devices: 'sdb,sdc',
      add_storage: 1,
    });
    const task = await runTask(m, 'DELETE', '/nodes/{node}/disks/zfs/{name}', {
      node: 'pve',
      name: 'tank',
      'cleanup-config': 1,
      'cleanup-disks': 1,
    });
    expect(task.upid).toContain(':zfsremove:tank:');
    expect(await m.call('GET', '/nodes/{node}/disks/zfs', { node: 'pve' })).toEqual([]);
    expect(m.context.storage.configs.has('tank')).toBe(false);
    expect(devpaths(await m.call('GET', '/nodes/{node}/disks/list', { node: 'pve', type: 'unused' }))).toHaveLength(3);
    const missing = await apiError(m.call('GET', '/nodes/{node}/disks/zfs/{name}', { node: 'pve', name: 'tank' }));
    expect(missing.message).toBe("zpool 'tank' does not exist");
  });

  it('pools survive a state snapshot (toJSON / initialState)', async () => {
    const m = testModel();
    await runTask(m, 'POST', '/nodes/{node}/disks/zfs', {
      node: 'pve',
      name: 'tank',
      raidlevel: 'single',
      devices: 'sdb',
    });
    const restored = testModel({ initialState: JSON.parse(JSON.stringify(m.toJSON())) });
    expect(await restored.call('GET', '/nodes/{node}/disks/zfs', { node: 'pve' })).toEqual([
      expect.objectContaining({ name: 'tank' }),
    ]);
  });

  it('schema validation over HTTP: raidlevel enum and ashift 9-16 are checked before the model', async () => {
    const sim = await startTestSimulator();
    try {
      sim.allowInvalid({ method: 'POST', path: '/nodes/pve/disks/zfs', param: 'raidlevel' });
      const bad = await sim.api('POST', '/nodes/pve/disks/zfs', {
        name: 'tank',
        raidlevel: 'raid5',
        devices: '/dev/sdb',
      });
      expect(bad.status).toBe(400);
      const ok = await sim.api('POST', '/nodes/pve/disks/zfs', {
        name: 'tank',
        raidlevel: 'single',
        devices: '/dev/sdb',
        ashift: 12,
      });
      expect(ok.status).toBe(200);
    } finally {
      await sim.stop();
    }
  });
});
