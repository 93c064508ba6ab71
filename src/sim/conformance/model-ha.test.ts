/**
 * Multi-node behaviour (issue 16): a node taken offline (595 "No route to host" for proxied
 * calls, its guests `unknown` in /cluster/resources), HA groups and resources with PVE's shapes,
 * recovery of HA services when their node goes away, clone `target` rules and migration tasks
 * with their `lock: migrate` (online for VMs, restart mode for containers).
 */
import { describe, expect, it } from 'vitest';
import { apiError, DEBIAN, runTask, testModel } from '../state/test-harness.ts';
import type { StorageConfig } from '../state/index.ts';

const GiB = 1024 ** 3;
const STORAGES: StorageConfig[] = [
  { storage: 'local', type: 'dir', path: '/var/lib/vz', content: ['vztmpl', 'iso', 'import'], capacity: 100 * GiB },
  { storage: 'local-zfs', type: 'zfspool', pool: 'rpool/data', content: ['images', 'rootdir'], capacity: 500 * GiB },
  {
    storage: 'shared',
    type: 'nfs',
    server: '10.0.0.1',
    export: '/srv',
    content: ['images', 'rootdir'],
    shared: 1,
    capacity: 500 * GiB,
  },
];

function cluster() {
  return testModel({
    nodes: ['pve1', 'pve2', 'pve3'].map((name) => ({ name, cores: 8, memoryMiB: 32768 })),
    storages: STORAGES,
  });
}

async function container(m: ReturnType<typeof cluster>, vmid: number, node: string, storage: string) {
  await runTask(m, 'POST', '/nodes/{node}/lxc', { node, vmid, ostemplate: DEBIAN, rootfs: `${storage}:8` });
}

async function vm(m: ReturnType<typeof cluster>, vmid: number, node: string, storage: string) {
  await runTask(m, 'POST', '/nodes/{node}/qemu', { node, vmid, scsi0: `${storage}:8` });
}

type Row = Record<string, unknown>;

describe('a node that goes offline', () => {
  it('§3 proxied calls answer 595 No route to host; its guests are listed with status unknown; back online, all is normal', async () => {
    const m = cluster();
    await container(m, 101, 'pve2', 'local-zfs');
    await runTask(m, 'POST', '/nodes/{node}/lxc/{vmid}/status/start', { node: 'pve2', vmid: 101 });
    expect(m.control('node-offline', { node: 'pve2' })).toMatchObject({ online: false, recovered: [] });
    const err = await apiError(m.call('GET', '/nodes/{node}/lxc/{vmid}/config', { node: 'pve2', vmid: 101 }));
    expect([err.status, err.message]).toEqual([595, 'No route to host']);
    const rows = (await m.call('GET', '/cluster/resources', {})) as Row[];
    expect(rows.find((r) => r.id === 'lxc/101')).toMatchObject({ node: 'pve2', status: 'unknown' });
    expect(rows.find((r) => r.id === 'node/pve2')).toMatchObject({ status: 'offline' });
    const status = (await m.call('GET', '/cluster/status')) as Row[];
    expect(status.find((r) => r.name === 'pve2')).toMatchObject({ online: 0 });
    expect(status[0]).toMatchObject({ type: 'cluster', quorate: 1 });
    m.control('node-online', { node: 'pve2' });
    const back = (await m.call('GET', '/cluster/resources', {})) as Row[];
    expect(back.find((r) => r.id === 'lxc/101')).toMatchObject({ status: 'running' });
  });
});

describe('HA groups and resources', () => {
  it('§HA groups and resources keep PVE shapes; a started service on shared storage is recovered on its group node', async () => {
    const m = cluster();
    await vm(m, 1001, 'pve1', 'shared');
    await container(m, 102, 'pve1', 'local-zfs');
    await m.call('POST', '/cluster/ha/groups', { group: 'prefer3', nodes: 'pve3:2,pve2:1', restricted: 0 });
    await m.call('POST', '/cluster/ha/resources', { sid: 'vm:1001', group: 'prefer3', state: 'started' });
    await m.call('POST', '/cluster/ha/resources', { sid: '102', state: 'started' });
    const dup = await apiError(m.call('POST', '/cluster/ha/resources', { sid: 'vm:1001' }));
    expect(dup.message).toBe("resource ID 'vm:1001' already defined");
    const noGroup = await apiError(m.call('POST', '/cluster/ha/resources', { sid: 'vm:999', group: 'x' }));
    expect(noGroup.message).toBe('VM 999 does not exist');
    const resources = (await m.call('GET', '/cluster/ha/resources', {})) as Row[];
    expect(resources.map((r) => [r.sid, r.type, r.state, r.group])).toEqual([
      ['vm:1001', 'vm', 'started', 'prefer3'],
      ['ct:102', 'ct', 'started', undefined],
    ]);
    expect(resources[0]?.digest).toMatch(/^[0-9a-f]{40}$/);
    expect(await m.call('GET', '/cluster/ha/groups/{group}', { group: 'prefer3' })).toMatchObject({
      group: 'prefer3',
      nodes: 'pve3:2,pve2:1',
      type: 'group',
    });
    const inUse = await apiError(m.call('DELETE', '/cluster/ha/groups/{group}', { group: 'prefer3' }));
    expect(inUse.message).toBe("ha group 'prefer3' is used by service 'vm:1001'");
    // The CRM started both services where they are.
    const before = (await m.call('GET', '/cluster/resources', { type: 'vm' })) as Row[];
    expect(before.filter((r) => r.node === 'pve1').map((r) => r.status)).toEqual(['running', 'running']);

    const result = m.control('node-offline', { node: 'pve1' }) as { recovered: string[] };
    // The VM (shared disk) moves to the group's top node; the container (local disk) cannot follow.
    expect(result.recovered).toEqual(['vm:1001']);
    const after = (await m.call('GET', '/cluster/resources', { type: 'vm' })) as Row[];
    expect(after.find((r) => r.vmid === 1001)).toMatchObject({ node: 'pve3', status: 'running' });
    expect(after.find((r) => r.vmid === 102)).toMatchObject({ node: 'pve1', status: 'unknown' });
    const current = (await m.call('GET', '/cluster/ha/status/current')) as Row[];
    expect(current.find((r) => r.sid === 'ct:102')).toMatchObject({ state: 'fence', node: 'pve1' });
    expect(current.find((r) => r.sid === 'vm:1001')).toMatchObject({ state: 'started', node: 'pve3' });
    await m.call('DELETE', '/cluster/ha/resources/{sid}', { sid: 'vm:1001' });
    expect(((await m.call('GET', '/cluster/ha/resources', {})) as Row[]).map((r) => r.sid)).toEqual(['ct:102']);
  });
});

describe('clone target and migration', () => {
  it('§A.5 clone to another node: refused from local storage, made on the target from shared storage', async () => {
    const m = cluster();
    await vm(m, 9000, 'pve1', 'local-zfs');
    await vm(m, 9001, 'pve1', 'shared');
    await runTask(m, 'POST', '/nodes/{node}/qemu/{vmid}/template', { node: 'pve1', vmid: 9000 });
    const local = await apiError(
      m.call('POST', '/nodes/{node}/qemu/{vmid}/clone', { node: 'pve1', vmid: 9000, newid: 200, target: 'pve2' }),
    );
    expect(local.message).toBe("can't clone VM to node 'pve2' (VM uses local storage)");
    const nonShared = await apiError(
      m.call('POST', '/nodes/{node}/qemu/{vmid}/clone', {
        node: 'pve1',
        vmid: 9001,
        newid: 200,
        target: 'pve2',
        full: 1,
        storage: 'local-zfs',
      }),
    );
    expect(nonShared.message).toBe("can't clone to non-shared storage 'local-zfs'");
    await runTask(m, 'POST', '/nodes/{node}/qemu/{vmid}/clone', {
      node: 'pve1',
      vmid: 9001,
      newid: 201,
      target: 'pve2',
      full: 1,
    });
    expect(m.context.guests.get(201)?.node).toBe('pve2');
  });

  it('§A.5 a running VM migrates online under lock migrate; a running container only in restart mode', async () => {
    const m = cluster();
    await vm(m, 300, 'pve1', 'local-zfs');
    await runTask(m, 'POST', '/nodes/{node}/qemu/{vmid}/status/start', { node: 'pve1', vmid: 300 });
    const offline = await apiError(
      m.call('POST', '/nodes/{node}/qemu/{vmid}/migrate', { node: 'pve1', vmid: 300, target: 'pve2' }),
    );
    expect(offline.message).toBe("can't migrate running VM without --online");
    const disks = await apiError(
      m.call('POST', '/nodes/{node}/qemu/{vmid}/migrate', { node: 'pve1', vmid: 300, target: 'pve2', online: 1 }),
    );
    expect(disks.message).toMatch(/^can't migrate local disk 'local-zfs:vm-300-disk-0'/);
    const upid = (await m.call('POST', '/nodes/{node}/qemu/{vmid}/migrate', {
      node: 'pve1',
      vmid: 300,
      target: 'pve2',
      online: 1,
      'with-local-disks': 1,
    })) as string;
    expect(upid).toMatch(/^UPID:pve1:[^:]+:[^:]+:[^:]+:qmigrate:300:/);
    expect(m.context.guests.get(300)?.config.lock).toBe('migrate');
    const locked = await apiError(
      m.call('POST', '/nodes/{node}/qemu/{vmid}/migrate', { node: 'pve1', vmid: 300, target: 'pve3', online: 1 }),
    );
    expect(locked.message).toBe('VM is locked (migrate)');
    expect((await m.waitTask(upid))?.exitstatus).toBe('OK');
    const guest = m.context.guests.get(300);
    expect([guest?.node, guest?.status, guest?.config.lock]).toEqual(['pve2', 'running', undefined]);
    expect(m.context.storage.find('pve2', 'local-zfs:vm-300-disk-0')).toBeDefined();
    expect(m.context.storage.find('pve1', 'local-zfs:vm-300-disk-0')).toBeUndefined();

    await container(m, 301, 'pve1', 'shared');
    await runTask(m, 'POST', '/nodes/{node}/lxc/{vmid}/status/start', { node: 'pve1', vmid: 301 });
    const live = await apiError(
      m.call('POST', '/nodes/{node}/lxc/{vmid}/migrate', { node: 'pve1', vmid: 301, target: 'pve2', online: 1 }),
    );
    expect(live.message).toBe('lxc live migration is currently not implemented');
    const task = await runTask(m, 'POST', '/nodes/{node}/lxc/{vmid}/migrate', {
      node: 'pve1',
      vmid: 301,
      target: 'pve2',
      restart: 1,
    });
    expect(task.type).toBe('vzmigrate');
    expect(task.exitstatus).toBe('OK');
    expect([m.context.guests.get(301)?.node, m.context.guests.get(301)?.status]).toEqual(['pve2', 'running']);
  });
});
