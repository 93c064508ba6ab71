/**
 * Conformance: the privilege checks PVE's handlers make in code for `user: all` endpoints and
 * for keys of `any`-checked endpoints (spec A.4/A.5 "Permissions" of POST /nodes/{node}/qemu,
 * /lxc and the config endpoints), pool membership (spec A.9, `/pool/<pool>` privileges hold on
 * its members) and the list filters of `/cluster/resources`, `/nodes/{node}/qemu|lxc`,
 * `/storage` and `/pools` (spec A.1, A.6, A.9 permission texts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSimulator, type TestSimulator } from '../testing.ts';
import { createToken, createUser, grant } from './helpers.ts';

let sim: TestSimulator;
const as = (token: string): Record<string, string> => ({ Authorization: `PVEAPIToken=${token}` });

/** A user with a custom role of exactly `privs` on `/`, and its token (privsep off). */
async function userWith(name: string, privs: string[]): Promise<string> {
  const roleid = `R${name}`;
  expect((await sim.api('POST', '/access/roles', { roleid, privs: privs.join(',') })).status).toBe(200);
  await createUser(sim, `${name}@pve`);
  await grant(sim, '/', roleid, { users: `${name}@pve` });
  return createToken(sim, `${name}@pve`, 'tk', 0);
}

const ALL_VM = [
  'VM.Allocate',
  'VM.Audit',
  'VM.Config.CPU',
  'VM.Config.Memory',
  'VM.Config.Disk',
  'VM.Config.Network',
  'VM.Config.Options',
  'VM.Config.HWType',
  'VM.Config.Cloudinit',
  'VM.Config.CDROM',
  'Datastore.AllocateSpace',
  'Datastore.Audit',
  'SDN.Use',
  'Sys.Modify',
];
const without = (p: string): string[] => ALL_VM.filter((x) => x !== p);

beforeAll(async () => {
  sim = await startTestSimulator();
  expect((await sim.api('POST', '/pools', { poolid: 'p1' })).status).toBe(200);
  expect((await sim.api('POST', '/nodes/pve/qemu', { vmid: 100, memory: 512, pool: 'p1' })).status).toBe(200);
  expect((await sim.api('POST', '/nodes/pve/qemu', { vmid: 200, memory: 512 })).status).toBe(200);
});
afterAll(async () => {
  await sim.stop();
});

describe('per-key config privileges (qemu-server check_vm_modify_config_perm)', () => {
  it('§A.5 a memory change needs VM.Config.Memory on /vms/{vmid}', async () => {
    const token = await userWith('nomem', without('VM.Config.Memory'));
    const res = await sim.api('PUT', '/nodes/pve/qemu/200/config', { memory: 1024 }, as(token));
    expect(res.status).toBe(403);
    expect(res.statusText).toBe('Permission check failed (/vms/200, VM.Config.Memory)');
    // The other keys it may change.
    expect((await sim.api('PUT', '/nodes/pve/qemu/200/config', { cores: 2 }, as(token))).status).toBe(200);
  });

  it("§A.5 'startup' changes host behaviour: it needs Sys.Modify on / besides VM.Config.Options", async () => {
    const token = await userWith('nosys', without('Sys.Modify'));
    const res = await sim.api('PUT', '/nodes/pve/qemu/200/config', { startup: 'order=1' }, as(token));
    expect(res.status).toBe(403);
    expect(res.statusText).toBe('Permission check failed (/, Sys.Modify)');
  });

  it('§A.5 a new disk needs Datastore.AllocateSpace on its storage', async () => {
    const token = await userWith('nospace', without('Datastore.AllocateSpace'));
    const res = await sim.api('POST', '/nodes/pve/qemu', { vmid: 300, scsi0: 'local-lvm:4' }, as(token));
    expect(res.status).toBe(403);
    expect(res.statusText).toBe('Permission check failed (/storage/local-lvm, Datastore.AllocateSpace)');
    const upd = await sim.api('PUT', '/nodes/pve/qemu/200/config', { scsi1: 'local-lvm:1' }, as(token));
    expect(upd.statusText).toBe('Permission check failed (/storage/local-lvm, Datastore.AllocateSpace)');
  });

  it('§A.5 a NIC needs SDN.Use on its bridge in the local zone', async () => {
    const token = await userWith('nosdn', without('SDN.Use'));
    const res = await sim.api('PUT', '/nodes/pve/qemu/200/config', { net0: 'virtio,bridge=vmbr0' }, as(token));
    expect(res.status).toBe(403);
    expect(res.statusText).toBe('Permission check failed (/sdn/zones/localnetwork/vmbr0, SDN.Use)');
    const tagged = await sim.api('PUT', '/nodes/pve/qemu/200/config', { net0: 'virtio,bridge=vmbr0,tag=5' }, as(token));
    expect(tagged.statusText).toBe('Permission check failed (/sdn/zones/localnetwork/vmbr0/5, SDN.Use)');
  });

  it('§A.4 container memory, rootfs space and bridges are checked the same way', async () => {
    const nomem = await userWith('ctnomem', without('VM.Config.Memory'));
    const ct = { vmid: 400, ostemplate: 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst', rootfs: 'local-lvm:1' };
    const a = await sim.api('POST', '/nodes/pve/lxc', { ...ct, memory: 256 }, as(nomem));
    expect(a.statusText).toBe('Permission check failed (/vms/400, VM.Config.Memory)');
    const nospace = await userWith('ctnospace', without('Datastore.AllocateSpace'));
    const b = await sim.api('POST', '/nodes/pve/lxc', ct, as(nospace));
    expect(b.statusText).toBe('Permission check failed (/storage/local-lvm, Datastore.AllocateSpace)');
    const nosdn = await userWith('ctnosdn', without('SDN.Use'));
    const c = await sim.api('POST', '/nodes/pve/lxc', { ...ct, net0: 'name=eth0,bridge=vmbr0' }, as(nosdn));
    expect(c.statusText).toBe('Permission check failed (/sdn/zones/localnetwork/vmbr0, SDN.Use)');
  });

  it("§A.5 a full clone needs space on the storages it writes; a resize on the disk's storage", async () => {
    const token = await userWith('noclonespace', [...without('Datastore.AllocateSpace'), 'VM.Clone']);
    await sim.api('POST', '/nodes/pve/qemu', { vmid: 210, scsi0: 'local-lvm:1' });
    await new Promise((r) => setTimeout(r, 50));
    const full = await sim.api('POST', '/nodes/pve/qemu/210/clone', { newid: 211, full: 1 }, as(token));
    expect(full.statusText).toBe('Permission check failed (/storage/local-lvm, Datastore.AllocateSpace)');
    const resize = await sim.api('PUT', '/nodes/pve/qemu/210/resize', { disk: 'scsi0', size: '+1G' }, as(token));
    expect(resize.statusText).toBe('Permission check failed (/storage/local-lvm, Datastore.AllocateSpace)');
  });

  it('§A.4 features other than nesting are for root@pam only', async () => {
    const token = await userWith('ctfeat', ALL_VM);
    const res = await sim.api(
      'POST',
      '/nodes/pve/lxc',
      {
        vmid: 401,
        ostemplate: 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst',
        rootfs: 'local-lvm:1',
        unprivileged: 1,
        features: 'nesting=1,keyctl=1',
      },
      as(token),
    );
    expect(res.status).toBe(403);
    expect(res.statusText).toBe(
      'Permission check failed (changing feature flags (except nesting) is only allowed for root@pam)',
    );
  });
});

describe('pools (spec A.9): a pool grants its privileges on its members', () => {
  it('§A.9 PVEVMAdmin on /pool/p1 reads a member guest, not others, and creates only into the pool', async () => {
    await createUser(sim, 'pooladm@pve');
    await grant(sim, '/pool/p1', 'PVEVMAdmin', { users: 'pooladm@pve' });
    const token = await createToken(sim, 'pooladm@pve', 'tk', 0);
    expect((await sim.api('GET', '/nodes/pve/qemu/100/config', {}, as(token))).status).toBe(200);
    expect((await sim.api('GET', '/nodes/pve/qemu/200/config', {}, as(token))).status).toBe(403);
    const outside = await sim.api('POST', '/nodes/pve/qemu', { vmid: 500, memory: 256 }, as(token));
    expect(outside.status).toBe(403);
    const inside = await sim.api('POST', '/nodes/pve/qemu', { vmid: 501, memory: 256, pool: 'p1' }, as(token));
    expect(inside.status).toBe(200);
    // Lists show only what the caller may see.
    const resources = (await sim.api('GET', '/cluster/resources', { type: 'vm' }, as(token))).body?.data as {
      vmid: number;
    }[];
    expect(resources.map((r) => r.vmid).sort()).toEqual([100, 501]);
    const qemu = (await sim.api('GET', '/nodes/pve/qemu', {}, as(token))).body?.data as { vmid: number }[];
    expect(qemu.map((r) => r.vmid).sort()).toEqual([100, 501]);
  });

  it('§A.1 /cluster/resources lists storages and pools by Datastore.Audit / Pool.Audit', async () => {
    const token = await userWith('vmonly', ['VM.Audit']);
    const rows = (await sim.api('GET', '/cluster/resources', {}, as(token))).body?.data as { type: string }[];
    expect(new Set(rows.map((r) => r.type))).toEqual(new Set(['qemu', 'node']));
    const storages = (await sim.api('GET', '/storage', {}, as(token))).body?.data as unknown[];
    expect(storages).toEqual([]);
    expect((await sim.api('GET', '/pools', {}, as(token))).body?.data).toEqual([]);
  });
});
