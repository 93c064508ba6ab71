import { describe, it, expect } from 'vitest';
import { apiError, runTask, testModel, DEBIAN } from '../state/test-harness.ts';
import { createSimModel } from '../state/index.ts';
import { NO_FAULTS } from '../state/test-harness.ts';

type Model = ReturnType<typeof testModel>;

describe('storage (§A.6, §6.2)', () => {
  it('§6.2 aplinfo download needs vztmpl content: local-lvm does not support templates', async () => {
    const m = testModel();
    const tmpl = 'ubuntu-24.04-standard_24.04-2_amd64.tar.zst';
    const err = await apiError(
      m.call('POST', '/nodes/{node}/aplinfo', { node: 'pve', storage: 'local-lvm', template: tmpl }),
    );
    expect([err.status, err.message]).toEqual([500, "storage 'local-lvm' does not support templates"]);
    const task = await runTask(m, 'POST', '/nodes/{node}/aplinfo', { node: 'pve', storage: 'local', template: tmpl });
    expect(task.upid).toContain(`:download:${tmpl}:`);
    const content = (await m.call('GET', '/nodes/{node}/storage/{storage}/content', {
      node: 'pve',
      storage: 'local',
      content: 'vztmpl',
    })) as Record<string, unknown>[];
    expect(content.map((c) => c.volid)).toContain(`local:vztmpl/${tmpl}`);
  });

  it('§A.6 aplinfo lists Debian, Ubuntu and Alpine system templates', async () => {
    const list = (await testModel().call('GET', '/nodes/{node}/aplinfo', { node: 'pve' })) as Record<string, unknown>[];
    expect(list.map((a) => a.os)).toEqual(expect.arrayContaining(['debian-12', 'ubuntu-24.04', 'alpine-3.20']));
    expect(list[0]).toMatchObject({ type: 'lxc', section: 'system' });
  });

  it('§A.6 download-url records the file with its size under the content directory', async () => {
    const m = testModel({ downloadSizes: { 'noble.img': 600 * 1024 * 1024 } });
    m.context.storage.get('local').content.push('import');
    const task = await runTask(m, 'POST', '/nodes/{node}/storage/{storage}/download-url', {
      node: 'pve',
      storage: 'local',
      content: 'import',
      filename: 'noble.img',
      url: 'https://example.invalid/noble.img',
    });
    expect(task.type).toBe('download');
    expect(m.context.storage.find('pve', 'local:import/noble.img')?.size).toBe(600 * 1024 * 1024);
    const iso = await apiError(
      m.call('POST', '/nodes/{node}/storage/{storage}/download-url', {
        node: 'pve',
        storage: 'local-lvm',
        content: 'iso',
        filename: 'x.iso',
        url: 'https://example.invalid/x.iso',
      }),
    );
    expect(iso.message).toBe("can't upload to storage type 'lvmthin', not a file based storage!");
    const noIso = await apiError(
      m.call('POST', '/nodes/{node}/storage/{storage}/download-url', {
        node: 'pve',
        storage: 'local',
        content: 'snippets',
        filename: 'x.yml',
        url: 'https://example.invalid/x.yml',
      }),
    );
    expect(noIso.message).toBe("storage 'local' is not configured for content-type 'snippets'");
  });

  it('§A.6 storage config CRUD enforces type-specific keys and content limits', async () => {
    const m = testModel();
    const missing = await apiError(m.call('POST', '/storage', { storage: 'nfs1', type: 'nfs' }));
    expect(missing.errors).toEqual({
      server: 'property is missing and it is not optional',
      export: 'property is missing and it is not optional',
    });
    const bad = await apiError(
      m.call('POST', '/storage', { storage: 'tank', type: 'zfspool', pool: 'rpool/data', content: 'iso' }),
    );
    expect(bad.errors).toEqual({ content: "storage does not support content type 'none'" });
    await m.call('POST', '/storage', { storage: 'tank', type: 'zfspool', pool: 'rpool/data', content: 'images,iso' });
    expect(((await m.call('GET', '/storage/{storage}', { storage: 'tank' })) as Record<string, unknown>).content).toBe(
      'images',
    );
    await m.call('DELETE', '/storage/{storage}', { storage: 'tank' });
    await m.call('POST', '/storage', {
      storage: 'nfs1',
      type: 'nfs',
      server: '10.0.0.5',
      export: '/srv/pve',
      content: 'images,iso',
    });
    const row = (await m.call('GET', '/storage/{storage}', { storage: 'nfs1' })) as Record<string, unknown>;
    expect(row).toMatchObject({ type: 'nfs', path: '/mnt/pve/nfs1', content: 'images,iso' });
    const status = (await m.call('GET', '/nodes/{node}/storage', { node: 'pve' })) as Record<string, unknown>[];
    expect(status.find((s) => s.storage === 'nfs1')).toMatchObject({ shared: 1, active: 1 });
    await m.call('DELETE', '/storage/{storage}', { storage: 'nfs1' });
    expect(((await m.call('GET', '/storage')) as unknown[]).length).toBe(2);
  });

  it('§A.6 per-node storage status reports total/used/avail as the volumes fill it', async () => {
    const m = testModel();
    await runTask(m, 'POST', '/nodes/{node}/qemu', { node: 'pve', vmid: 100, scsi0: 'local-lvm:10' });
    const st = (await m.call('GET', '/nodes/{node}/storage/{storage}/status', {
      node: 'pve',
      storage: 'local-lvm',
    })) as Record<string, number>;
    expect(st.used).toBe(10 * 1024 ** 3);
    expect(st.avail).toBe((st.total ?? 0) - (st.used ?? 0));
    expect(
      (await apiError(m.call('GET', '/nodes/{node}/storage/{storage}/status', { node: 'pve', storage: 'nope' })))
        .message,
    ).toBe("storage 'nope' does not exist");
  });

  it('§6.2 content listing shows guest volumes with vmid and format', async () => {
    const m = testModel();
    await runTask(m, 'POST', '/nodes/{node}/lxc', {
      node: 'pve',
      vmid: 101,
      ostemplate: DEBIAN,
      rootfs: 'local-lvm:8',
    });
    const content = (await m.call('GET', '/nodes/{node}/storage/{storage}/content', {
      node: 'pve',
      storage: 'local-lvm',
    })) as Record<string, unknown>[];
    expect(content).toEqual([
      expect.objectContaining({
        volid: 'local-lvm:vm-101-disk-0',
        vmid: 101,
        format: 'raw',
        size: 8 * 1024 ** 3,
        content: 'rootdir',
      }),
    ]);
  });
});

describe('node network (§A.7)', () => {
  it('§A.7 creating a bridge is pending (with changes) until PUT applies it as srvreload', async () => {
    const m = testModel();
    await m.call('POST', '/nodes/{node}/network', {
      node: 'pve',
      iface: 'vmbr1',
      type: 'bridge',
      cidr: '10.10.0.1/24',
      autostart: 1,
    });
    const list = (await m.call('GET', '/nodes/{node}/network', { node: 'pve' })) as {
      data: Record<string, unknown>[];
      extras: { changes: string };
    };
    expect(list.extras.changes).toContain('+iface vmbr1 inet static');
    expect(list.data.find((i) => i.iface === 'vmbr1')?.active).toBeUndefined();
    const task = await runTask(m, 'PUT', '/nodes/{node}/network', { node: 'pve' });
    expect(task.upid).toContain(':srvreload:networking:');
    const after = (await m.call('GET', '/nodes/{node}/network', { node: 'pve' })) as Record<string, unknown>[];
    expect(after.find((i) => i.iface === 'vmbr1')).toMatchObject({ active: 1, cidr: '10.10.0.1/24' });
  });

  it('§A.7 a duplicate interface is a 400 and DELETE /network reverts pending edits', async () => {
    const m = testModel();
    const dup = await apiError(
      m.call('POST', '/nodes/{node}/network', { node: 'pve', iface: 'vmbr0', type: 'bridge' }),
    );
    expect(dup.errors).toEqual({ iface: 'interface already exists' });
    await m.call('POST', '/nodes/{node}/network', { node: 'pve', iface: 'vmbr2', type: 'bridge' });
    await m.call('DELETE', '/nodes/{node}/network', { node: 'pve' });
    const list = (await m.call('GET', '/nodes/{node}/network', { node: 'pve' })) as Record<string, unknown>[];
    expect(list.map((i) => i.iface)).not.toContain('vmbr2');
    const missing = await apiError(
      m.call('PUT', '/nodes/{node}/network/{iface}', { node: 'pve', iface: 'vmbr7', type: 'bridge' }),
    );
    expect(missing.errors).toEqual({ iface: 'interface does not exist' });
  });
});

describe('firewall (§A.8) and pools (§A.9)', () => {
  it('§A.8 new rules go to the top, enable defaults to 0, every item carries the list digest', async () => {
    const m = testModel();
    await m.call('POST', '/cluster/firewall/rules', {
      type: 'in',
      action: 'ACCEPT',
      dport: '22',
      proto: 'tcp',
      pos: 5,
    });
    await m.call('POST', '/cluster/firewall/rules', { type: 'in', action: 'DROP', enable: 1 });
    const rules = (await m.call('GET', '/cluster/firewall/rules')) as Record<string, unknown>[];
    expect(rules.map((r) => [r.pos, r.action, r.enable])).toEqual([
      [0, 'DROP', 1],
      [1, 'ACCEPT', 0],
    ]);
    expect(rules[0]?.digest).toBe(rules[1]?.digest);
    const stale = await apiError(m.call('DELETE', '/cluster/firewall/rules/{pos}', { pos: 0, digest: 'deadbeef' }));
    expect(stale.message).toBe('detected modified configuration - file changed by other user? Try again.');
  });

  it('§A.8 moveto reorders; ipsets (entries unshifted), aliases and groups per scope with pve-firewall texts', async () => {
    const m = testModel();
    await runTask(m, 'POST', '/nodes/{node}/lxc', {
      node: 'pve',
      vmid: 101,
      ostemplate: DEBIAN,
      rootfs: 'local-lvm:8',
    });
    const base = '/nodes/{node}/lxc/{vmid}/firewall';
    for (const port of ['80', '443'])
      await m.call('POST', `${base}/rules`, {
        node: 'pve',
        vmid: 101,
        type: 'in',
        action: 'ACCEPT',
        dport: port,
        enable: 1,
      });
    await m.call('PUT', `${base}/rules/{pos}`, { node: 'pve', vmid: 101, pos: 0, moveto: 1 });
    const rules = (await m.call('GET', `${base}/rules`, { node: 'pve', vmid: 101 })) as Record<string, unknown>[];
    expect(rules.map((r) => r.dport)).toEqual(['80', '443']);
    await m.call('PUT', `${base}/options`, { node: 'pve', vmid: 101, enable: 1, policy_in: 'DROP' });
    expect(await m.call('GET', `${base}/options`, { node: 'pve', vmid: 101 })).toMatchObject({
      enable: 1,
      policy_in: 'DROP',
    });
    await m.call('POST', '/cluster/firewall/ipset', { name: 'admins' });
    await m.call('POST', '/cluster/firewall/ipset/{name}', { name: 'admins', cidr: '10.0.0.0/24' });
    const dup = await apiError(
      m.call('POST', '/cluster/firewall/ipset/{name}', { name: 'admins', cidr: '10.0.0.0/24' }),
    );
    expect([dup.status, dup.errors]).toEqual([400, { cidr: "address '10.0.0.0/24' already exists" }]);
    await m.call('POST', '/cluster/firewall/ipset/{name}', { name: 'admins', cidr: '10.0.1.0/24' });
    const entries = (await m.call('GET', '/cluster/firewall/ipset/{name}', { name: 'admins' })) as Record<
      string,
      unknown
    >[];
    expect(entries.map((e) => e.cidr)).toEqual(['10.0.1.0/24', '10.0.0.0/24']);
    expect((await apiError(m.call('DELETE', '/cluster/firewall/ipset/{name}', { name: 'admins' }))).message).toBe(
      "IPSet 'admins' is not empty",
    );
    const noRule = await apiError(m.call('GET', `${base}/rules/{pos}`, { node: 'pve', vmid: 101, pos: 7 }));
    expect([noRule.status, noRule.message]).toEqual([500, 'no rule at position 7']);
    await m.call('POST', '/cluster/firewall/aliases', { name: 'gw', cidr: '10.0.0.1' });
    await m.call('POST', '/cluster/firewall/groups', { group: 'web' });
    await m.call('POST', '/cluster/firewall/groups/{group}', {
      group: 'web',
      type: 'in',
      action: 'ACCEPT',
      dport: '80',
    });
    expect(((await m.call('GET', '/cluster/firewall/groups/{group}', { group: 'web' })) as unknown[]).length).toBe(1);
  });

  it('§A.8 single IPSet entries and aliases: read, update, remove, rename', async () => {
    const m = testModel();
    await m.call('POST', '/cluster/firewall/ipset', { name: 'admins' });
    await m.call('POST', '/cluster/firewall/ipset/{name}', { name: 'admins', cidr: '10.0.0.0/24', comment: 'lan' });
    const entry = { name: 'admins', cidr: '10.0.0.0/24' };
    expect(await m.call('GET', '/cluster/firewall/ipset/{name}/{cidr}', entry)).toEqual({
      cidr: '10.0.0.0/24',
      comment: 'lan',
    });
    await m.call('PUT', '/cluster/firewall/ipset/{name}/{cidr}', { ...entry, comment: 'office', nomatch: 1 });
    expect(await m.call('GET', '/cluster/firewall/ipset/{name}/{cidr}', entry)).toEqual({
      cidr: '10.0.0.0/24',
      comment: 'office',
      nomatch: 1,
    });
    const stale = await apiError(
      m.call('DELETE', '/cluster/firewall/ipset/{name}/{cidr}', { ...entry, digest: 'f'.repeat(40) }),
    );
    expect(stale.message).toMatch(/^detected modified configuration/);
    await m.call('DELETE', '/cluster/firewall/ipset/{name}/{cidr}', entry);
    expect(await m.call('GET', '/cluster/firewall/ipset/{name}', { name: 'admins' })).toEqual([]);
    const gone = await apiError(m.call('GET', '/cluster/firewall/ipset/{name}/{cidr}', entry));
    expect([gone.status, gone.errors]).toEqual([400, { cidr: 'no such IP/Network' }]);

    await m.call('POST', '/cluster/firewall/aliases', { name: 'gw', cidr: '10.0.0.1' });
    await m.call('POST', '/cluster/firewall/aliases', { name: 'dns', cidr: '10.0.0.53' });
    await m.call('PUT', '/cluster/firewall/aliases/{name}', { name: 'gw', cidr: '10.0.0.254', comment: 'router' });
    expect(await m.call('GET', '/cluster/firewall/aliases/{name}', { name: 'gw' })).toMatchObject({
      name: 'gw',
      cidr: '10.0.0.254',
      comment: 'router',
    });
    const clash = await apiError(
      m.call('PUT', '/cluster/firewall/aliases/{name}', { name: 'gw', cidr: '10.0.0.254', rename: 'dns' }),
    );
    expect([clash.status, clash.errors]).toEqual([400, { rename: "alias 'dns' already exists" }]);
    await m.call('PUT', '/cluster/firewall/aliases/{name}', { name: 'gw', cidr: '10.0.0.254', rename: 'router' });
    const missing = await apiError(m.call('GET', '/cluster/firewall/aliases/{name}', { name: 'gw' }));
    expect([missing.status, missing.errors]).toEqual([400, { name: 'no such alias' }]);
  });

  it('§A.8 node firewall options round-trip with a digest', async () => {
    const m = testModel();
    await m.call('PUT', '/nodes/{node}/firewall/options', { node: 'pve', enable: 1, nosmurfs: 1 });
    const opts = (await m.call('GET', '/nodes/{node}/firewall/options', { node: 'pve' })) as Record<string, unknown>;
    expect(opts).toMatchObject({ enable: 1, nosmurfs: 1 });
    expect(opts.digest).toMatch(/^[0-9a-f]{40}$/);
    await m.call('POST', '/nodes/{node}/firewall/rules', {
      node: 'pve',
      type: 'in',
      action: 'ACCEPT',
      dport: '8006',
      proto: 'tcp',
      enable: 1,
    });
    expect(((await m.call('GET', '/nodes/{node}/firewall/rules', { node: 'pve' })) as unknown[]).length).toBe(1);
  });

  it('§A.9 pools: create, add members, refuse a second pool without allow-move (pve-manager Pool.pm texts)', async () => {
    const m = testModel();
    await runTask(m, 'POST', '/nodes/{node}/qemu', { node: 'pve', vmid: 100 });
    await m.call('POST', '/pools', { poolid: 'a', comment: 'first' });
    await m.call('POST', '/pools', { poolid: 'b' });
    await m.call('PUT', '/pools', { poolid: 'a', vms: '100' });
    const err = await apiError(m.call('PUT', '/pools', { poolid: 'b', vms: '100' }));
    expect(err.message).toBe("update pools failed: VM 100 belongs already to pool 'a'");
    const again = await apiError(m.call('PUT', '/pools', { poolid: 'a', vms: '100' }));
    expect(again.message).toBe('update pools failed: VM 100 is already a pool member');
    await m.call('PUT', '/pools', { poolid: 'b', vms: '100', 'allow-move': 1 });
    const b = (await m.call('GET', '/pools', { poolid: 'b' })) as { members: Record<string, unknown>[] }[];
    expect(b[0]?.members).toEqual([expect.objectContaining({ id: 'qemu/100', vmid: 100, node: 'pve' })]);
    expect((await apiError(m.call('DELETE', '/pools/{poolid}', { poolid: 'b' }))).message).toBe(
      "delete pool failed: pool 'b' is not empty (contains VM 100)",
    );
    await runTask(m, 'DELETE', '/nodes/{node}/qemu/{vmid}', { node: 'pve', vmid: 100 });
    await m.call('DELETE', '/pools/{poolid}', { poolid: 'b' });
    expect(await m.call('GET', '/pools')).toEqual([{ poolid: 'a', comment: 'first' }]);
  });
});

describe('control and persistence', () => {
  it('§7 out-of-band changes through control() show up as drift in GET config', async () => {
    const m = testModel();
    await runTask(m, 'POST', '/nodes/{node}/lxc', {
      node: 'pve',
      vmid: 101,
      ostemplate: DEBIAN,
      rootfs: 'local-lvm:8',
      memory: 512,
    });
    const before = (await m.call('GET', '/nodes/{node}/lxc/{vmid}/config', { node: 'pve', vmid: 101 })) as Record<
      string,
      unknown
    >;
    m.control('set-config', { vmid: 101, key: 'memory', value: 2048 });
    m.control('start', { vmid: 101 });
    const after = (await m.call('GET', '/nodes/{node}/lxc/{vmid}/config', { node: 'pve', vmid: 101 })) as Record<
      string,
      unknown
    >;
    expect(after.memory).toBe(2048);
    expect(after.digest).not.toBe(before.digest);
    expect(
      (
        (await m.call('GET', '/nodes/{node}/lxc/{vmid}/status/current', { node: 'pve', vmid: 101 })) as Record<
          string,
          unknown
        >
      ).status,
    ).toBe('running');
    expect(() => m.control('explode', {})).toThrow(/unknown control action/);
  });

  it('§7 toJSON → initialState restores guests, pools, storage, network and finished tasks', async () => {
    const m: Model = testModel();
    await m.call('POST', '/pools', { poolid: 'p' });
    const task = await runTask(m, 'POST', '/nodes/{node}/lxc', {
      node: 'pve',
      vmid: 101,
      ostemplate: DEBIAN,
      rootfs: 'local-lvm:8',
      pool: 'p',
    });
    await m.call('POST', '/nodes/{node}/network', { node: 'pve', iface: 'vmbr9', type: 'bridge' });
    const state = JSON.parse(JSON.stringify(m.toJSON())) as unknown;
    const r = createSimModel({
      nodes: [{ name: 'pve', cores: 8, memoryMiB: 32768 }],
      speed: 0,
      faults: NO_FAULTS,
      seed: 1,
      initialState: state,
    });
    expect(await r.call('GET', '/nodes/{node}/lxc/{vmid}/config', { node: 'pve', vmid: 101 })).toEqual(
      await m.call('GET', '/nodes/{node}/lxc/{vmid}/config', { node: 'pve', vmid: 101 }),
    );
    expect(r.context.storage.find('pve', 'local-lvm:vm-101-disk-0')).toBeDefined();
    expect(
      (
        (await r.call('GET', '/nodes/{node}/tasks/{upid}/status', { node: 'pve', upid: task.upid })) as Record<
          string,
          unknown
        >
      ).exitstatus,
    ).toBe('OK');
    expect(r.context.pools.get('p')?.vms).toEqual([101]);
    expect(r.context.nodes.get('pve')?.network.pending?.some((i) => i.iface === 'vmbr9')).toBe(true);
    // The RNG continues where it stopped: both models hand out the same next MAC, not a repeat.
    expect(r.context.random.mac()).toBe(m.context.random.mac());
  });

  it('§5.1 an injected lock timeout fails a config update with the flock text', async () => {
    const m = testModel({ faults: { taskFailure: () => undefined, lockTimeout: (vmid) => vmid === 100 } });
    await runTask(m, 'POST', '/nodes/{node}/qemu', { node: 'pve', vmid: 100 });
    const err = await apiError(m.call('PUT', '/nodes/{node}/qemu/{vmid}/config', { node: 'pve', vmid: 100, cores: 2 }));
    expect([err.status, err.message]).toEqual([
      500,
      "can't lock file '/var/lock/qemu-server/lock-100.conf' - got timeout",
    ]);
  });
});
