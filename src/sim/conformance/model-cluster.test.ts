import { describe, it, expect } from 'vitest';
import { apiError, callAs, NO_FAULTS, runTask, testModel, DEBIAN } from '../state/test-harness.ts';
import { createSimModel, createVirtualClock } from '../state/index.ts';

describe('cluster model: version, nodes, cluster', () => {
  it('§A.1 GET /version returns version, release and a 16-hex repoid', async () => {
    const v = (await testModel().call('GET', '/version')) as Record<string, string>;
    expect(v.release).toBe('8.4');
    expect(v.version).toMatch(/^8\.4\./);
    expect(v.repoid).toMatch(/^[0-9a-f]{16}$/);
  });

  it('§A.1 nextid is a string and is not a reservation', async () => {
    const m = testModel();
    expect(await m.call('GET', '/cluster/nextid')).toBe('100');
    expect(await m.call('GET', '/cluster/nextid')).toBe('100');
  });

  it('§5.2 nextid?vmid=<used> answers 400 with errors.vmid', async () => {
    const m = testModel();
    await runTask(m, 'POST', '/nodes/{node}/lxc', {
      node: 'pve',
      vmid: 100,
      ostemplate: DEBIAN,
      rootfs: 'local-lvm:8',
    });
    const err = await apiError(m.call('GET', '/cluster/nextid', { vmid: 100 }));
    expect(err.status).toBe(400);
    expect(err.errors).toEqual({ vmid: 'VM 100 already exists' });
    expect(await m.call('GET', '/cluster/nextid')).toBe('101');
  });

  it('§A.1 cluster/status of a standalone node has no cluster entry', async () => {
    const rows = (await testModel().call('GET', '/cluster/status')) as Record<string, unknown>[];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ type: 'node', id: 'node/pve', name: 'pve', local: 1, nodeid: 0, online: 1 });
  });

  it('§A.1 cluster/status of a cluster starts with a quorate cluster entry', async () => {
    const m = testModel({
      nodes: [
        { name: 'pve1', cores: 4, memoryMiB: 8192 },
        { name: 'pve2', cores: 4, memoryMiB: 8192 },
      ],
    });
    const rows = (await m.call('GET', '/cluster/status')) as Record<string, unknown>[];
    expect(rows[0]).toMatchObject({ type: 'cluster', nodes: 2, quorate: 1 });
    expect(rows.slice(1).map((r) => r.name)).toEqual(['pve1', 'pve2']);
  });

  it('§A.1 cluster/resources lists guests (with lock), nodes, storages (disk/maxdisk) and /pool ids', async () => {
    const m = testModel();
    await m.call('POST', '/pools', { poolid: 'prod' });
    const upid = await m.call('POST', '/nodes/{node}/lxc', {
      node: 'pve',
      vmid: 101,
      ostemplate: DEBIAN,
      rootfs: 'local-lvm:8',
      pool: 'prod',
    });
    const during = (await m.call('GET', '/cluster/resources', { type: 'vm' })) as Record<string, unknown>[];
    // The pool membership is written by the worker at the end (pve-container create_vm).
    expect(during[0]).toMatchObject({
      id: 'lxc/101',
      type: 'lxc',
      vmid: 101,
      node: 'pve',
      lock: 'create',
    });
    await m.waitTask(upid as string);
    const all = (await m.call('GET', '/cluster/resources')) as Record<string, unknown>[];
    expect(all.find((r) => r.id === 'node/pve')).toMatchObject({
      type: 'node',
      maxcpu: 8,
      maxmem: 32768 * 1024 * 1024,
    });
    const lvm = all.find((r) => r.id === 'storage/pve/local-lvm');
    expect(lvm).toMatchObject({ type: 'storage', plugintype: 'lvmthin', disk: 8 * 1024 ** 3 });
    expect(all.find((r) => r.id === '/pool/prod')).toMatchObject({ type: 'pool', pool: 'prod' });
    expect(all.find((r) => r.id === 'lxc/101')).not.toHaveProperty('lock');
    expect(all.find((r) => r.id === 'lxc/101')).toMatchObject({ pool: 'prod' });
  });

  it('§3 an offline node answers 595, shows offline, and losing quorum blocks creates', async () => {
    const m = testModel({
      nodes: [
        { name: 'pve1', cores: 4, memoryMiB: 8192 },
        { name: 'pve2', cores: 4, memoryMiB: 8192 },
      ],
    });
    m.control('set-node-status', { node: 'pve2', online: false });
    const err = await apiError(m.call('GET', '/nodes/{node}/qemu', { node: 'pve2' }));
    expect([err.status, err.message]).toEqual([595, 'No route to host']);
    const nodes = (await m.call('GET', '/nodes')) as Record<string, unknown>[];
    expect(nodes.find((n) => n.node === 'pve2')?.status).toBe('offline');
    const status = (await m.call('GET', '/cluster/status')) as Record<string, unknown>[];
    expect(status[0]).toMatchObject({ type: 'cluster', quorate: 0 });
    const create = await apiError(m.call('POST', '/nodes/{node}/qemu', { node: 'pve1', vmid: 100 }));
    expect([create.status, create.message]).toEqual([500, 'cluster not ready - no quorum?']);
    m.control('set-node-status', { node: 'pve2', online: true });
    expect(typeof (await m.call('POST', '/nodes/{node}/qemu', { node: 'pve1', vmid: 100 }))).toBe('string');
  });

  it('§3 an unknown {node} fails with the hostname lookup 500', async () => {
    const err = await apiError(testModel().call('GET', '/nodes/{node}/qemu', { node: 'nosuchnode' }));
    expect(err.status).toBe(500);
    expect(err.message).toMatch(/^hostname lookup 'nosuchnode' failed - /);
  });

  it('§A.1 /cluster/resources stays fast with 1,000 guests', async () => {
    const m = testModel();
    for (let i = 0; i < 1000; i++) {
      await m.call('POST', '/nodes/{node}/qemu', {
        node: 'pve',
        vmid: 1000 + i,
        name: `vm${i}`,
        net0: 'virtio,bridge=vmbr0',
      });
    }
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) await m.call('GET', '/cluster/resources');
    const perCall = (performance.now() - t0) / 20;
    expect(perCall).toBeLessThan(50);
  });
});

describe('cluster model: tasks (§4)', () => {
  const token = { userid: 'automation@pve', tokenid: 'tf' };

  it('§4.1 UPIDs have 9 fields, a trailing colon and the token user', async () => {
    const m = testModel();
    const upid = (await callAs(m, token, 'POST', '/nodes/{node}/lxc', {
      node: 'pve',
      vmid: 101,
      ostemplate: DEBIAN,
      rootfs: 'local-lvm:8',
    })) as string;
    expect(upid).toMatch(/^UPID:pve:[0-9A-F]{8}:[0-9A-F]{8,9}:[0-9A-F]{8}:vzcreate:101:automation@pve!tf:$/);
    expect(upid.split(':')).toHaveLength(9);
  });

  it('§4.3 status goes running → stopped/OK and splits user and tokenid', async () => {
    const clock = createVirtualClock();
    const m = createSimModel({
      nodes: [{ name: 'pve', cores: 4, memoryMiB: 8192 }],
      speed: 1,
      clock,
      faults: NO_FAULTS,
      seed: 1,
    });
    const upid = (await callAs(m, token, 'POST', '/nodes/{node}/lxc', {
      node: 'pve',
      vmid: 101,
      ostemplate: DEBIAN,
      rootfs: 'local-lvm:8',
    })) as string;
    const status = (): Promise<Record<string, unknown>> =>
      m.call('GET', '/nodes/{node}/tasks/{upid}/status', { node: 'pve', upid }) as Promise<Record<string, unknown>>;
    expect(await status()).toMatchObject({
      status: 'running',
      type: 'vzcreate',
      id: '101',
      user: 'automation@pve',
      tokenid: 'tf',
    });
    await clock.advance(7000);
    expect((await status()).status).toBe('running');
    await clock.advance(1500);
    expect(await status()).toMatchObject({ status: 'stopped', exitstatus: 'OK' });
  });

  it('§4.3 unknown and malformed UPIDs answer 400', async () => {
    const m = testModel();
    const unknown = await apiError(
      m.call('GET', '/nodes/{node}/tasks/{upid}/status', {
        node: 'pve',
        upid: 'UPID:pve:00000001:00000001:00000001:qmstart:100:root@pam:',
      }),
    );
    expect(unknown.status).toBe(400);
    expect(unknown.errors).toEqual({ upid: 'no such task' });
    const bad = await apiError(m.call('GET', '/nodes/{node}/tasks/{upid}/status', { node: 'pve', upid: 'nope' }));
    expect(bad.errors).toEqual({ upid: 'unable to parse worker upid' });
  });

  it('§A.3 the log numbers lines from 1, pages with start/limit and ends with TASK OK', async () => {
    const m = testModel();
    const task = await runTask(m, 'POST', '/nodes/{node}/lxc', {
      node: 'pve',
      vmid: 101,
      ostemplate: DEBIAN,
      rootfs: 'local-lvm:8',
    });
    const log = (await m.call('GET', '/nodes/{node}/tasks/{upid}/log', { node: 'pve', upid: task.upid })) as {
      data: { n: number; t: string }[];
      extras: { total: number };
    };
    expect(log.data[0]).toEqual({
      n: 1,
      t: "extracting archive '/var/lib/vz/template/cache/debian-12-standard_12.7-1_amd64.tar.zst'",
    });
    expect(log.data.at(-1)?.t).toBe('TASK OK');
    expect(log.extras.total).toBe(log.data.length);
    const page = (await m.call('GET', '/nodes/{node}/tasks/{upid}/log', {
      node: 'pve',
      upid: task.upid,
      start: 1,
      limit: 1,
    })) as { data: { n: number }[] };
    expect(page.data).toEqual([expect.objectContaining({ n: 2 })]);
  });

  it('§4.2 an injected task failure ends with TASK ERROR and the error as exitstatus', async () => {
    const m = testModel({
      faults: {
        taskFailure: (type) => (type === 'vzcreate' ? 'unable to create CT 101 - disk full' : undefined),
        lockTimeout: () => false,
      },
    });
    const task = await runTask(m, 'POST', '/nodes/{node}/lxc', {
      node: 'pve',
      vmid: 101,
      ostemplate: DEBIAN,
      rootfs: 'local-lvm:8',
    });
    expect(task.exitstatus).toBe('unable to create CT 101 - disk full');
    expect(task.log.at(-1)).toBe('TASK ERROR: unable to create CT 101 - disk full');
    expect(await m.call('GET', '/cluster/nextid')).toBe('100');
  });

  it('§A.3 DELETE on a running task stops it with a task error', async () => {
    const clock = createVirtualClock();
    const m = createSimModel({
      nodes: [{ name: 'pve', cores: 4, memoryMiB: 8192 }],
      speed: 1,
      clock,
      faults: NO_FAULTS,
      seed: 1,
    });
    const upid = (await m.call('POST', '/nodes/{node}/lxc', {
      node: 'pve',
      vmid: 101,
      ostemplate: DEBIAN,
      rootfs: 'local-lvm:8',
    })) as string;
    await m.call('DELETE', '/nodes/{node}/tasks/{upid}', { node: 'pve', upid });
    const task = await m.waitTask(upid);
    expect(task?.exitstatus).toBe('interrupted by signal');
    expect(m.context.guests.has(101)).toBe(false);
  });

  it('§A.3 the task list filters by source, type and vmid', async () => {
    const m = testModel();
    await runTask(m, 'POST', '/nodes/{node}/lxc', {
      node: 'pve',
      vmid: 101,
      ostemplate: DEBIAN,
      rootfs: 'local-lvm:8',
    });
    await runTask(m, 'POST', '/nodes/{node}/lxc/{vmid}/status/start', { node: 'pve', vmid: 101 });
    const list = (p: Record<string, unknown>): Promise<{ data: Record<string, unknown>[] }> =>
      m.call('GET', '/nodes/{node}/tasks', { node: 'pve', ...p }) as Promise<{ data: Record<string, unknown>[] }>;
    expect((await list({})).data).toHaveLength(2);
    expect((await list({ typefilter: 'vzstart' })).data.map((t) => t.type)).toEqual(['vzstart']);
    expect((await list({ vmid: 999 })).data).toHaveLength(0);
    expect((await list({ source: 'active' })).data).toHaveLength(0);
    expect((await list({})).data[0]).toMatchObject({ status: 'OK' });
    // errors=1 drops OK tasks; statusfilter picks normalized status types.
    await runTask(m, 'POST', '/nodes/{node}/qemu', { node: 'pve', vmid: 200, start: 1 });
    const failed = await runTask(m, 'POST', '/nodes/{node}/qemu/{vmid}/status/start', { node: 'pve', vmid: 200 });
    expect(failed.exitstatus).toBe('VM 200 already running');
    expect((await list({ errors: 1 })).data.map((t) => t.type)).toEqual(['qmstart']);
    expect((await list({ statusfilter: 'ok' })).data).toHaveLength(3);
  });
});
