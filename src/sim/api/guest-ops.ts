/**
 * Operations shared by LXC and QEMU routes: create bookkeeping, destroy, snapshots, template
 * conversion, resize and power transitions. Sync checks throw `SimApiError` (HTTP 500/400,
 * no task); worker-side failures throw plain errors that become `TASK ERROR: …` (spec §4.2).
 */
import { SimApiError, type SimRequest } from '../contract.ts';
import { duration, lockConfig, nowSeconds, userOf, type SimContext } from '../state/context.ts';
import { checkLock, guestWord, type Guest, type GuestConfig, type GuestType } from '../state/guests.ts';
import type { FORMATS } from '../state/props.ts';
import { formatSize, parseProps, parseSize, printProps } from '../state/props.ts';
import { newGuestOs } from '../guests/guest-os.ts';
import { referencedVolumes } from './guest-config.ts';

export function newGuest(type: GuestType, vmid: number, node: string, hostname: string): Guest {
  return {
    vmid,
    type,
    node,
    config: {},
    pending: {},
    pendingDelete: [],
    snapshots: {},
    status: 'stopped',
    os: newGuestOs(hostname),
  };
}

/** `check_vmid_unused` (spec §5.2): the word reflects the existing guest's type. */
export function assertVmidFree(ctx: SimContext, vmid: number, creating: GuestType): void {
  const existing = ctx.guests.get(vmid);
  if (!existing) return;
  const text = `${guestWord(existing.type)} ${vmid} already exists on node '${existing.node}'`;
  throw new SimApiError(500, creating === 'qemu' ? `unable to create VM ${vmid} - ${text}` : text);
}

export function addToPool(ctx: SimContext, poolid: unknown, vmid: number): void {
  if (poolid === undefined) return;
  const pool = ctx.pools.get(String(poolid));
  if (!pool) throw new SimApiError(500, `pool '${String(poolid)}' does not exist`);
  if (!pool.vms.includes(vmid)) pool.vms.push(vmid);
}

export function startTask(
  ctx: SimContext,
  req: SimRequest,
  guest: Pick<Guest, 'node'>,
  type: string,
  id: string | number,
  run: Parameters<SimContext['tasks']['start']>[0]['run'],
  extra: { onError?: (e: Error) => void; onFinally?: () => void } = {},
): string {
  return ctx.tasks.start({ node: guest.node, type, id: String(id), user: userOf(req.caller), run, ...extra });
}

export function freeGuestVolumes(ctx: SimContext, guest: Guest, unreferencedToo: boolean): void {
  const configs = [guest.config, ...Object.values(guest.snapshots).map((s) => s.config)];
  for (const config of configs)
    for (const { volid } of referencedVolumes(guest.type, config)) ctx.storage.free(guest.node, volid);
  if (unreferencedToo)
    for (const v of ctx.storage.volumesOf(guest.node, guest.vmid)) ctx.storage.free(guest.node, v.volid);
}

/** Removes every trace of a guest: config, pools, firewall (spec A.4/A.5 DELETE). */
export function removeGuest(ctx: SimContext, guest: Guest): void {
  ctx.guests.delete(guest.vmid);
  for (const pool of ctx.pools.values()) pool.vms = pool.vms.filter((id) => id !== guest.vmid);
  delete ctx.firewall.guests[String(guest.vmid)];
}

export function destroyGuest(ctx: SimContext, req: SimRequest, guest: Guest): string {
  const word = guestWord(guest.type);
  const p = req.params;
  if (guest.config.protection === 1) {
    throw new SimApiError(500, `can't remove ${word} ${guest.vmid} - protection mode enabled`);
  }
  if (guest.type === 'lxc') {
    checkLock(guest);
    if (guest.status === 'running' && p.force !== 1) {
      throw new SimApiError(500, `unable to destroy CT ${guest.vmid} - container is running`);
    }
  } else if (guest.status === 'running') {
    throw new SimApiError(500, `VM ${guest.vmid} is running - destroy failed`);
  }
  const type = guest.type === 'lxc' ? 'vzdestroy' : 'qmdestroy';
  return startTask(ctx, req, guest, type, guest.vmid, async (task) => {
    const release = await lockConfig(ctx, guest.type, guest.vmid, { log: task.log });
    try {
      checkLock(guest); // QEMU checks the lock in the worker (spec A.5 DELETE).
      guest.config.lock = 'destroyed';
      await task.sleep(duration(ctx, type));
      guest.status = 'stopped';
      freeGuestVolumes(ctx, guest, p['destroy-unreferenced-disks'] === 1);
      removeGuest(ctx, guest);
    } finally {
      release();
    }
  });
}

export function snapshotList(guest: Guest): unknown[] {
  const out: unknown[] = Object.values(guest.snapshots).map((s) => {
    const row: Record<string, unknown> = { name: s.name, description: s.description ?? '', snaptime: s.snaptime };
    if (s.parent) row.parent = s.parent;
    if (guest.type === 'qemu') row.vmstate = s.vmstate ?? 0;
    return row;
  });
  const current: Record<string, unknown> = {
    name: 'current',
    description: 'You are here!',
    running: guest.status === 'running' ? 1 : 0,
  };
  if (guest.config.parent) current.parent = guest.config.parent;
  out.push(current);
  return out;
}

function snapshotConfig(config: GuestConfig): GuestConfig {
  const copy = { ...config };
  delete copy.lock;
  delete copy.parent;
  return copy;
}

export function createSnapshot(ctx: SimContext, req: SimRequest, guest: Guest): string {
  const name = String(req.params.snapname);
  const type = guest.type === 'lxc' ? 'vzsnapshot' : 'qmsnapshot';
  return startTask(ctx, req, guest, type, guest.vmid, async (task) => {
    const release = await lockConfig(ctx, guest.type, guest.vmid, { log: task.log });
    try {
      // Order of pve-guest-common `__snapshot_prepare`.
      if (guest.config.template === 1) throw new Error("you can't take a snapshot if it's a template");
      checkLock(guest);
      if (guest.snapshots[name] || name === 'current') throw new Error(`snapshot name '${name}' already used`);
      for (const { volid } of referencedVolumes(guest.type, guest.config)) {
        if (!/^unused/.test(volid) && !ctx.storage.canSnapshot(guest.node, volid))
          throw new Error('snapshot feature is not available');
      }
      guest.config.lock = 'snapshot';
    } finally {
      release();
    }
    try {
      await task.sleep(duration(ctx, type));
      guest.snapshots[name] = {
        name,
        snaptime: nowSeconds(ctx),
        description: req.params.description === undefined ? undefined : String(req.params.description),
        parent: typeof guest.config.parent === 'string' ? guest.config.parent : undefined,
        vmstate: req.params.vmstate === 1 ? 1 : undefined,
        config: snapshotConfig(guest.config),
      };
      guest.config.parent = name;
    } finally {
      delete guest.config.lock;
    }
  });
}

export function requireSnapshot(guest: Guest, name: unknown): void {
  if (!guest.snapshots[String(name)]) throw new SimApiError(500, `snapshot '${String(name)}' does not exist`);
}

export function deleteSnapshot(ctx: SimContext, req: SimRequest, guest: Guest): string {
  const name = String(req.params.snapname);
  requireSnapshot(guest, name);
  const type = guest.type === 'lxc' ? 'vzdelsnapshot' : 'qmdelsnapshot';
  return startTask(ctx, req, guest, type, guest.vmid, async (task) => {
    const snap = guest.snapshots[name];
    if (guest.config.template === 1) throw new Error("you can't delete a snapshot if vm is a template");
    if (!snap) throw new Error(`snapshot '${name}' does not exist`);
    checkLock(guest);
    guest.config.lock = 'snapshot-delete';
    try {
      await task.sleep(duration(ctx, type));
      for (const other of Object.values(guest.snapshots)) if (other.parent === name) other.parent = snap.parent;
      if (guest.config.parent === name) {
        if (snap.parent) guest.config.parent = snap.parent;
        else delete guest.config.parent;
      }
      delete guest.snapshots[name];
    } finally {
      delete guest.config.lock;
    }
  });
}

export function rollbackSnapshot(ctx: SimContext, req: SimRequest, guest: Guest): string {
  const name = String(req.params.snapname);
  requireSnapshot(guest, name);
  const type = guest.type === 'lxc' ? 'vzrollback' : 'qmrollback';
  return startTask(ctx, req, guest, type, guest.vmid, async (task) => {
    const snap = guest.snapshots[name];
    if (guest.config.template === 1) throw new Error("you can't rollback if vm is a template");
    if (!snap) throw new Error(`snapshot '${name}' does not exist`);
    checkLock(guest);
    guest.config.lock = 'rollback';
    try {
      await task.sleep(duration(ctx, type));
      guest.status = 'stopped';
      guest.config = { ...snap.config, parent: name, lock: 'rollback' };
      guest.pending = {};
      guest.pendingDelete = [];
    } finally {
      delete guest.config.lock;
    }
    if (req.params.start === 1) {
      guest.status = 'running';
      guest.startedAt = ctx.clock.now();
    }
  });
}

/** Template conversion: checks of spec A.4/A.5 `template`, volumes renamed to `base-…`. */
export function assertTemplatable(guest: Guest): void {
  const word = guestWord(guest.type);
  checkLock(guest);
  if (Object.keys(guest.snapshots).length > 0) {
    throw new SimApiError(500, `unable to create template, because ${word} contains snapshots`);
  }
  if (guest.config.template === 1) throw new SimApiError(500, "you can't convert a template to a template");
  if (guest.status === 'running') {
    throw new SimApiError(
      500,
      guest.type === 'lxc'
        ? "you can't convert a CT to template if the CT is running"
        : "you can't convert a VM to template if VM is running",
    );
  }
}

export function convertToTemplate(ctx: SimContext, guest: Guest): void {
  for (const { key, volid } of referencedVolumes(guest.type, guest.config)) {
    const renamed = ctx.storage.renameToBase(guest.node, volid);
    guest.config[key] = String(guest.config[key]).replace(volid, renamed);
  }
  guest.config.template = 1;
}

/** Parses `+4G` / `16G` against the current size (spec §6.1 resize syntax). */
export function resizeTarget(current: number, size: string): number {
  const m = /^(\+)?(\d+(?:\.\d+)?)([KMGT])?$/.exec(size);
  if (!m)
    throw new SimApiError(400, 'Parameter verification failed.', { size: 'value does not match the regex pattern' });
  const bytes = parseSize(`${m[2]}${m[3] ?? ''}`) ?? 0;
  return m[1] ? current + bytes : bytes;
}

export function diskSizeOf(value: string, format: typeof FORMATS.lxcRootfs | typeof FORMATS.qemuDisk): number {
  return parseSize(parseProps(value, format).size ?? '0') ?? 0;
}

export function withSize(
  value: string,
  format: typeof FORMATS.lxcRootfs | typeof FORMATS.qemuDisk,
  bytes: number,
): string {
  const map = parseProps(value, format);
  map.size = formatSize(bytes);
  return printProps(map, format);
}
