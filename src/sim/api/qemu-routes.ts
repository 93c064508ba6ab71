/**
 * QEMU VMs (spec A.5, §5.2, §5.3, §5.5): create, config GET/PUT/POST with pending changes,
 * power transitions (errors as task errors), destroy, clone timeline with flocks and
 * `lock: clone`, resize, template conversion and snapshots.
 */
import { SimApiError, type SimRequest, type SimRoute } from '../contract.ts';
import { duration, lockConfig, requireGuest, requireNode, type SimContext } from '../state/context.ts';
import { checkLock, configDigest, DISK_KEY_RE, effectiveConfig, type Guest } from '../state/guests.ts';
import { FORMATS, parseProps, printProps } from '../state/props.ts';
import { guestSummary } from './guest-summary.ts';
import {
  addToPool,
  assertTemplatable,
  assertVmidFree,
  convertToTemplate,
  createSnapshot,
  deleteSnapshot,
  destroyGuest,
  diskSizeOf,
  newGuest,
  resizeTarget,
  rollbackSnapshot,
  snapshotList,
  startTask,
  withSize,
} from './guest-ops.ts';
import { applyQemuUpdate, maskConfig, prepareQemuValue } from './qemu-config.ts';
import { route } from './envelope.ts';

const BASE = '/nodes/{node}/qemu/{vmid}';

function statusRow(ctx: SimContext, g: Guest): Record<string, unknown> {
  const s = guestSummary(ctx, g);
  const row: Record<string, unknown> = {
    vmid: g.vmid,
    status: g.status,
    name: s.name,
    cpus: s.cpus,
    maxmem: s.maxmem,
    mem: s.mem,
    maxdisk: s.maxdisk,
    disk: 0,
    uptime: s.uptime,
    cpu: 0,
    netin: 0,
    netout: 0,
    diskread: 0,
    diskwrite: 0,
  };
  if (g.config.lock !== undefined) row.lock = g.config.lock;
  if (g.config.tags !== undefined) row.tags = g.config.tags;
  if (s.template) row.template = 1;
  if (g.status === 'running') row.pid = g.pid;
  return row;
}

function create(ctx: SimContext, req: SimRequest): string {
  const p = req.params;
  const node = requireNode(ctx, p.node).name;
  const vmid = Number(p.vmid);
  assertVmidFree(ctx, vmid, 'qemu');
  if (p.pool !== undefined && !ctx.pools.has(String(p.pool)))
    throw new SimApiError(500, `pool '${String(p.pool)}' does not exist`);
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
  addToPool(ctx, p.pool, vmid);
  return startTask(
    ctx,
    req,
    guest,
    'qmcreate',
    vmid,
    async (task) => {
      await task.sleep(duration(ctx, 'qmcreate'));
      delete guest.config.lock;
      if (p.start === 1) {
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

function power(ctx: SimContext, req: SimRequest, action: 'start' | 'stop' | 'shutdown' | 'reboot'): string {
  const guest = requireGuest(ctx, req.params.node, req.params.vmid, 'qemu');
  if (action === 'reboot' && guest.status !== 'running') throw new SimApiError(500, `VM ${guest.vmid} not running`);
  const type = `qm${action}`;
  // QEMU always returns a UPID; failures are task errors (spec §5.5).
  return startTask(ctx, req, guest, type, guest.vmid, async (task) => {
    const release = await lockConfig(ctx, 'qemu', guest.vmid, { log: task.log });
    try {
      if (action === 'start') {
        if (guest.config.template === 1) throw new Error("you can't start a vm if it's a template");
        checkLock(guest);
        if (guest.status === 'running') throw new Error(`VM ${guest.vmid} already running`);
      }
      if (action === 'stop' && guest.status !== 'running') return;
      if (action === 'shutdown' && guest.status !== 'running') return;
      if (action === 'shutdown' && guest.os.ignoresShutdown) {
        // Spec §5.5: wait `timeout` (default 60 s), then fail unless forceStop.
        const timeout = typeof req.params.timeout === 'number' ? req.params.timeout : 60;
        await task.sleep(timeout * 1000);
        if (req.params.forceStop !== 1) throw new Error('VM quit/powerdown failed - got timeout');
      }
      await task.sleep(duration(ctx, type));
      if (action === 'start' || action === 'reboot') {
        if (action === 'reboot') applyPending(guest);
        guest.status = 'running';
        guest.startedAt = ctx.clock.now();
        guest.pid = ctx.random.int(1000, 4_000_000);
        guest.cloudinit = cloudinitValues(guest);
      } else {
        guest.status = 'stopped';
        guest.startedAt = undefined;
        applyPending(guest);
      }
    } finally {
      release();
    }
  });
}

export function applyPending(guest: Guest): void {
  guest.config = { ...effectiveConfig(guest) };
  guest.pending = {};
  guest.pendingDelete = [];
}

function clone(ctx: SimContext, req: SimRequest): string {
  const p = req.params;
  const source = requireGuest(ctx, p.node, p.vmid, 'qemu');
  const newid = Number(p.newid);
  checkLock(source);
  if (ctx.guests.has(newid)) throw new SimApiError(500, `unable to create VM ${newid}: config file already exists`);
  const isTemplate = source.config.template === 1;
  const full = p.full === undefined ? !isTemplate : p.full === 1;
  if (!full && p.storage !== undefined)
    throw new SimApiError(400, 'Parameter verification failed.', {
      storage: "parameter 'storage' not allowed for linked clones",
    });
  if (!full && p.format !== undefined)
    throw new SimApiError(400, 'Parameter verification failed.', {
      format: "parameter 'format' not allowed for linked clones",
    });
  const snapname = typeof p.snapname === 'string' ? p.snapname : undefined;
  if (snapname && !source.snapshots[snapname]) throw new SimApiError(500, `snapshot '${snapname}' does not exist`);
  const sourceConfig = snapname ? (source.snapshots[snapname]?.config ?? {}) : source.config;
  const target = newGuest(
    'qemu',
    newid,
    source.node,
    typeof p.name === 'string' ? p.name : `Copy-of-VM-${String(source.config.name ?? source.vmid)}`,
  );
  const releases: (() => void)[] = [];
  return startTask(
    ctx,
    req,
    source,
    'qmclone',
    source.vmid,
    async (task) => {
      // Spec §5.3: source flock shared when stopped/template, target exclusive, 1 s each, held throughout.
      const shared = source.status !== 'running';
      releases.push(await lockConfig(ctx, 'qemu', source.vmid, { baseMs: 1000, shared, log: task.log }));
      releases.push(await lockConfig(ctx, 'qemu', newid, { baseMs: 1000, log: task.log }));
      if (ctx.guests.has(newid)) throw new Error(`unable to create VM ${newid}: config file already exists`);
      target.config = { lock: 'clone' };
      ctx.guests.set(newid, target);
      addToPool(ctx, p.pool, newid);
      const disks = Object.keys(sourceConfig)
        .filter((k) => DISK_KEY_RE.test(k))
        .sort();
      const each = duration(ctx, `qmclone:${full ? 'full' : 'linked'}`) / Math.max(1, disks.length);
      for (const key of disks) {
        const disk = parseProps(String(sourceConfig[key]), FORMATS.qemuDisk);
        const volid = disk.file ?? '';
        if (disk.media === 'cdrom' && !volid.includes('-cloudinit')) {
          target.config[key] = String(sourceConfig[key]);
          continue;
        }
        if (volid.includes('-cloudinit')) {
          disk.file = ctx.storage.allocCloudinit(
            source.node,
            volid.split(':')[0] ?? 'local',
            newid,
            ctx.clock.now(),
          ).volid;
        } else if (full) {
          task.log(`create full clone of drive ${key} (${volid})`);
          const src = ctx.storage.find(source.node, volid);
          const storage = typeof p.storage === 'string' ? p.storage : (volid.split(':')[0] ?? 'local');
          disk.file = ctx.storage.allocImage(
            source.node,
            storage,
            newid,
            src?.size ?? 0,
            'qemu',
            ctx.clock.now(),
            typeof p.format === 'string' ? p.format : undefined,
          ).volid;
          await task.sleep(each * 0.5);
          task.log(
            `transferred ${((src?.size ?? 0) / 1024 ** 3).toFixed(1)} GiB of ${((src?.size ?? 0) / 1024 ** 3).toFixed(1)} GiB (100.00%)`,
          );
        } else {
          task.log(`create linked clone of drive ${key} (${volid})`);
          disk.file = ctx.storage.linkedClone(source.node, volid, newid, 'qemu', ctx.clock.now()).volid;
        }
        await task.sleep(full ? each * 0.5 : each);
        target.config[key] = printProps(disk, FORMATS.qemuDisk);
      }
      const final: Record<string, string | number> = { ...sourceConfig, ...target.config };
      for (const k of ['lock', 'template', 'parent', 'snaptime', 'vmstate']) delete final[k];
      for (const key of Object.keys(final).filter((k) => /^net\d+$/.test(k))) {
        const net = parseProps(String(final[key]), FORMATS.qemuNet);
        net.macaddr = ctx.random.mac();
        final[key] = printProps(net, FORMATS.qemuNet);
      }
      final.name = typeof p.name === 'string' ? p.name : `Copy-of-VM-${String(source.config.name ?? source.vmid)}`;
      if (typeof p.description === 'string') final.description = p.description;
      final.smbios1 = `uuid=${ctx.random.uuid()}`;
      final.vmgenid = ctx.random.uuid();
      target.config = final;
    },
    {
      onError: () => {
        ctx.storage.volumesOf(source.node, newid).forEach((v) => ctx.storage.free(source.node, v.volid));
        if (ctx.guests.get(newid) === target) ctx.guests.delete(newid);
      },
      onFinally: () => releases.forEach((r) => r()),
    },
  ).replace(/^/, '');
}

function resize(ctx: SimContext, req: SimRequest): string {
  const guest = requireGuest(ctx, req.params.node, req.params.vmid, 'qemu');
  const disk = String(req.params.disk);
  // Spec A.5: all resize checks happen inside the task.
  return startTask(ctx, req, guest, 'resize', guest.vmid, async (task) => {
    const release = await lockConfig(ctx, 'qemu', guest.vmid, { log: task.log });
    try {
      checkLock(guest);
      if (req.params.digest !== undefined && req.params.digest !== configDigest(guest))
        throw new Error('checksum mismatch (file change by other user?)');
      const value = guest.config[disk];
      if (typeof value !== 'string') throw new Error(`disk '${disk}' does not exist`);
      if (parseProps(value, FORMATS.qemuDisk).media === 'cdrom') throw new Error("you can't resize a cdrom");
      const current = diskSizeOf(value, FORMATS.qemuDisk);
      const target = resizeTarget(current, String(req.params.size));
      if (target < current) throw new Error('shrinking disks is not supported');
      if (target === current) return;
      await task.sleep(duration(ctx, 'resize'));
      const vol = ctx.storage.find(guest.node, parseProps(value, FORMATS.qemuDisk).file ?? '');
      if (vol) vol.size = target;
      guest.config[disk] = withSize(value, FORMATS.qemuDisk, target);
    } finally {
      release();
    }
  });
}

export function qemuRoutes(ctx: SimContext): SimRoute[] {
  const g = (req: SimRequest): Guest => requireGuest(ctx, req.params.node, req.params.vmid, 'qemu');
  return [
    route('GET', '/nodes/{node}/qemu', (req) => {
      const node = requireNode(ctx, req.params.node).name;
      return [...ctx.guests.values()].filter((x) => x.type === 'qemu' && x.node === node).map((x) => statusRow(ctx, x));
    }),
    route('POST', '/nodes/{node}/qemu', (req) => create(ctx, req)),
    route('GET', BASE, (req) => {
      g(req);
      return ['config', 'pending', 'status', 'snapshot', 'firewall', 'agent', 'cloudinit'].map((subdir) => ({
        subdir,
      }));
    }),
    route('GET', `${BASE}/config`, (req) => {
      const guest = g(req);
      if (req.params.snapshot !== undefined) {
        const snap = guest.snapshots[String(req.params.snapshot)];
        if (!snap) throw new SimApiError(500, `snapshot '${String(req.params.snapshot)}' does not exist`);
        return { ...maskConfig(snap.config), digest: configDigest(guest) };
      }
      const config = req.params.current === 1 ? guest.config : effectiveConfig(guest);
      return { ...maskConfig(config), digest: configDigest(guest) };
    }),
    route('PUT', `${BASE}/config`, async (req) => {
      const guest = g(req);
      const release = await lockConfig(ctx, 'qemu', guest.vmid);
      try {
        applyQemuUpdate(ctx, guest, req.params);
      } finally {
        release();
      }
      return null;
    }),
    route('POST', `${BASE}/config`, async (req) => {
      const guest = g(req);
      const upid = startTask(ctx, req, guest, 'qmconfig', guest.vmid, async (task) => {
        const release = await lockConfig(ctx, 'qemu', guest.vmid, { log: task.log });
        try {
          applyQemuUpdate(ctx, guest, req.params);
          await task.sleep(duration(ctx, 'qmconfig'));
        } finally {
          release();
        }
      });
      const delay = typeof req.params.background_delay === 'number' ? req.params.background_delay : undefined;
      if (delay === undefined) return upid;
      // At speed 0 an "instant" task still needs a few event-loop turns: give it 20 ms.
      const done = await Promise.race([
        ctx.tasks.wait(upid),
        new Promise<undefined>((resolve) =>
          ctx.clock.schedule(Math.max(delay * 1000 * ctx.speed, 20), () => resolve(undefined)),
        ),
      ]);
      if (!done || done.status !== 'stopped') return upid;
      if (done.exitstatus === 'OK') return null;
      throw new SimApiError(500, `failed to update VM ${guest.vmid}: ${done.exitstatus ?? ''}`);
    }),
    route('GET', `${BASE}/pending`, (req) => {
      const guest = g(req);
      const keys = new Set([...Object.keys(guest.config), ...Object.keys(guest.pending), ...guest.pendingDelete]);
      const masked = maskConfig(guest.config);
      const maskedPending = maskConfig(guest.pending);
      return [...keys].sort().map((key) => {
        const row: Record<string, unknown> = { key };
        if (masked[key] !== undefined) row.value = masked[key];
        if (maskedPending[key] !== undefined) row.pending = maskedPending[key];
        if (guest.pendingDelete.includes(key)) row.delete = 1;
        return row;
      });
    }),
    route('GET', `${BASE}/status`, (req) => {
      g(req);
      return ['current', 'start', 'stop', 'shutdown', 'reboot'].map((subdir) => ({ subdir }));
    }),
    route('GET', `${BASE}/status/current`, (req) => {
      const guest = g(req);
      const agent =
        typeof guest.config.agent === 'string' && parseProps(guest.config.agent, FORMATS.agent).enabled === '1'
          ? 1
          : undefined;
      return {
        ...statusRow(ctx, guest),
        qmpstatus: guest.status,
        ha: { managed: 0 },
        ...(agent ? { agent } : {}),
        ...(guest.status === 'running' ? { 'running-machine': 'pc-i440fx-9.2+pve1', 'running-qemu': '9.2.0' } : {}),
      };
    }),
    route('POST', `${BASE}/status/start`, (req) => power(ctx, req, 'start')),
    route('POST', `${BASE}/status/stop`, (req) => power(ctx, req, 'stop')),
    route('POST', `${BASE}/status/shutdown`, (req) => power(ctx, req, 'shutdown')),
    route('POST', `${BASE}/status/reboot`, (req) => power(ctx, req, 'reboot')),
    route('DELETE', BASE, (req) => destroyGuest(ctx, req, g(req))),
    route('POST', `${BASE}/clone`, (req) => clone(ctx, req)),
    route('PUT', `${BASE}/resize`, (req) => resize(ctx, req)),
    route('POST', `${BASE}/template`, (req) => {
      const guest = g(req);
      assertTemplatable(guest);
      return startTask(ctx, req, guest, 'qmtemplate', guest.vmid, async (task) => {
        const release = await lockConfig(ctx, 'qemu', guest.vmid, { log: task.log });
        try {
          assertTemplatable(guest);
          await task.sleep(duration(ctx, 'qmtemplate'));
          convertToTemplate(ctx, guest);
        } finally {
          release();
        }
      });
    }),
    route('GET', `${BASE}/snapshot`, (req) => snapshotList(g(req))),
    route('POST', `${BASE}/snapshot`, (req) => createSnapshot(ctx, req, g(req))),
    route('GET', `${BASE}/snapshot/{snapname}`, (req) => {
      g(req);
      return [{ rel: 'config' }, { rel: 'rollback' }];
    }),
    route('GET', `${BASE}/snapshot/{snapname}/config`, (req) => {
      const snap = g(req).snapshots[String(req.params.snapname)];
      if (!snap) throw new SimApiError(500, `snapshot '${String(req.params.snapname)}' does not exist`);
      return { ...maskConfig(snap.config), snaptime: snap.snaptime, ...(snap.parent ? { parent: snap.parent } : {}) };
    }),
    route('DELETE', `${BASE}/snapshot/{snapname}`, (req) => deleteSnapshot(ctx, req, g(req))),
    route('POST', `${BASE}/snapshot/{snapname}/rollback`, (req) => rollbackSnapshot(ctx, req, g(req))),
  ];
}
