/**
 * QEMU create (spec A.5 POST /nodes/{node}/qemu, §5.2, §6.2): disk and cloud-init allocation,
 * auto MACs, smbios1/vmgenid, default boot order, `lock: create` while `qmcreate` runs.
 */
import { accessOf, SimApiError, type SimRequest } from '../contract.ts';
import { checkAllocate, checkBridges, checkQemuKeys, checkQemuStorage } from './guest-perms.ts';
import { CONTROL_PARAMS } from './guest-config.ts';
import { assertQuorum, duration, requireNode, type SimContext } from '../state/context.ts';
import type { Guest } from '../state/guests.ts';
import { addToPool, assertVmidFree, newGuest, startTask } from './guest-ops.ts';
import { prepareQemuValue } from './qemu-config.ts';

export function createQemu(ctx: SimContext, req: SimRequest): string {
  const p = req.params;
  const node = requireNode(ctx, p.node).name;
  assertQuorum(ctx);
  const vmid = Number(p.vmid);
  assertVmidFree(ctx, vmid, 'qemu');
  if (p.pool !== undefined && !ctx.pools.has(String(p.pool)))
    throw new SimApiError(500, `pool '${String(p.pool)}' does not exist`);
  const access = accessOf(req);
  if (typeof p.storage === 'string') access.check(`/storage/${p.storage}`, ['Datastore.AllocateSpace']);
  checkAllocate(access, vmid, p.pool);
  checkQemuStorage(access, vmid, p, typeof p.storage === 'string' ? p.storage : undefined);
  checkQemuKeys(
    access,
    vmid,
    p.pool,
    Object.keys(p).filter((k) => !CONTROL_PARAMS.has(k) && p[k] !== undefined),
  );
  checkBridges(access, p, false);
  const guest = newGuest('qemu', vmid, node, typeof p.name === 'string' ? p.name : `VM${vmid}`);
  const config: Record<string, string | number> = {};
  try {
    for (const [key, value] of Object.entries(p)) {
      const prepared = prepareQemuValue(ctx, guest, key, value);
      if (prepared !== undefined) config[key] = prepared;
    }
  } catch (error) {
    ctx.storage.volumesOf(node, vmid).forEach((v) => ctx.storage.free(node, v.volid));
    throw error;
  }
  config.smbios1 ??= `uuid=${ctx.random.uuid()}`;
  config.vmgenid ??= ctx.random.uuid();
  config.meta = `creation-qemu=9.2.0,ctime=${Math.floor(ctx.clock.now() / 1000)}`;
  if (config.boot === undefined) {
    const order = defaultBootOrder(config);
    if (order.length > 0) config.boot = `order=${order.join(';')}`;
  }
  guest.config = { ...config, lock: 'create' };
  ctx.guests.set(vmid, guest);
  return startTask(
    ctx,
    req,
    guest,
    'qmcreate',
    vmid,
    async (task) => {
      await task.sleep(duration(ctx, 'qmcreate'));
      delete guest.config.lock;
      addToPool(ctx, p.pool, vmid);
      if (p.start === 1) {
        task.log('Execute autostart');
        guest.status = 'running';
        guest.startedAt = ctx.clock.now();
        guest.pid = ctx.random.int(1000, 4_000_000);
        guest.cloudinit = cloudinitValues(guest);
      }
    },
    {
      onError: () => {
        ctx.storage.volumesOf(node, vmid).forEach((v) => ctx.storage.free(node, v.volid));
        if (ctx.guests.get(vmid) === guest) ctx.guests.delete(vmid);
      },
    },
  );
}

const BUS_ORDER = ['ide', 'sata', 'scsi', 'virtio'];

function driveKeys(config: Record<string, string | number>): string[] {
  return Object.keys(config)
    .filter((k) => /^(ide|sata|scsi|virtio)\d+$/.test(k))
    .sort((a, b) => {
      const [, ba = '', na = '0'] = /^([a-z]+)(\d+)$/.exec(a) ?? [];
      const [, bb = '', nb = '0'] = /^([a-z]+)(\d+)$/.exec(b) ?? [];
      return BUS_ORDER.indexOf(ba) - BUS_ORDER.indexOf(bb) || Number(na) - Number(nb);
    });
}

/** qemu-server `get_default_bootdevices`: first hard disk, then CD-ROMs (not cloud-init), then NICs. */
function defaultBootOrder(config: Record<string, string | number>): string[] {
  const drives = driveKeys(config);
  const isCdrom = (k: string): boolean =>
    /media=cdrom/.test(String(config[k])) || /^(none|cdrom)$/.test(String(config[k]));
  const disk = drives.find((k) => !isCdrom(k));
  const cdroms = drives.filter((k) => isCdrom(k) && !String(config[k]).includes('-cloudinit'));
  const nets = Object.keys(config)
    .filter((k) => /^net\d+$/.test(k))
    .sort((a, b) => Number(a.slice(3)) - Number(b.slice(3)));
  return [...(disk ? [disk] : []), ...cdroms, ...nets];
}

export const CLOUDINIT_KEYS = [
  'cicustom',
  'cipassword',
  'citype',
  'ciuser',
  'ciupgrade',
  'nameserver',
  'searchdomain',
  'sshkeys',
];

export function cloudinitValues(guest: Guest): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(guest.config))
    if (CLOUDINIT_KEYS.includes(k) || /^ipconfig\d+$/.test(k)) out[k] = v;
  return out;
}
