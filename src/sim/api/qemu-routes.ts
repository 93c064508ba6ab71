/**
 * QEMU VMs (spec A.5, §5.2, §5.3, §5.5): create, config GET/PUT/POST with pending changes,
 * power transitions (errors as task errors), destroy, clone timeline with flocks and
 * `lock: clone`, resize, template conversion and snapshots.
 */
import { accessOf, SimApiError, type SimRequest, type SimRoute } from '../contract.ts';
import { duration, lockConfig, requireGuest, requireNode, type SimContext } from '../state/context.ts';
import { checkLock, configDigest, effectiveConfig, type Guest } from '../state/guests.ts';
import { FORMATS, parseProps } from '../state/props.ts';
import { guestSummary } from './guest-summary.ts';
import {
  assertTemplatable,
  convertToTemplate,
  createSnapshot,
  deleteSnapshot,
  destroyGuest,
  diskSizeOf,
  resizeTarget,
  rollbackSnapshot,
  snapshotList,
  startTask,
  withSize,
} from './guest-ops.ts';
import { applyQemuUpdate, checkQemuUpdate, maskConfig } from './qemu-config.ts';
import { checkResizeSpace } from './guest-perms.ts';
import { route } from './envelope.ts';
import { cloneQemu } from './qemu-clone.ts';
import { cloudinitValues, createQemu } from './qemu-create.ts';

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

/** `GET …/pending` rows (both guest types): current value, pending value, pending delete. */
export function pendingRows(guest: Guest): Record<string, unknown>[] {
  const keys = new Set([...Object.keys(guest.config), ...Object.keys(guest.pending), ...guest.pendingDelete]);
  const masked = maskConfig(guest.config);
  const maskedPending = maskConfig(guest.pending);
  return [...keys].sort().map((key) => {
    const row: Record<string, unknown> = { key };
    // Values as the config file holds them: strings (the schema types both as string).
    if (masked[key] !== undefined) row.value = String(masked[key]);
    if (maskedPending[key] !== undefined) row.pending = String(maskedPending[key]);
    if (guest.pendingDelete.includes(key)) row.delete = 1;
    return row;
  });
}

export function applyPending(guest: Guest): void {
  guest.config = { ...effectiveConfig(guest) };
  guest.pending = {};
  guest.pendingDelete = [];
}

function resize(ctx: SimContext, req: SimRequest): string {
  const guest = requireGuest(ctx, req.params.node, req.params.vmid, 'qemu');
  const disk = String(req.params.disk);
  const current = guest.config[disk];
  if (typeof current === 'string') checkResizeSpace(accessOf(req), parseProps(current, FORMATS.qemuDisk).file);
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
      return [...ctx.guests.values()]
        .filter((x) => x.type === 'qemu' && x.node === node && accessOf(req).has(`/vms/${x.vmid}`, ['VM.Audit']))
        .map((x) => statusRow(ctx, x));
    }),
    route('POST', '/nodes/{node}/qemu', (req) => createQemu(ctx, req)),
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
      checkQemuUpdate(accessOf(req), guest, req.params);
      const release = await lockConfig(ctx, 'qemu', guest.vmid);
      try {
        applyQemuUpdate(ctx, guest, req.params, accessOf(req));
      } finally {
        release();
      }
      return null;
    }),
    route('POST', `${BASE}/config`, async (req) => {
      const guest = g(req);
      checkQemuUpdate(accessOf(req), guest, req.params);
      const upid = startTask(ctx, req, guest, 'qmconfig', guest.vmid, async (task) => {
        const release = await lockConfig(ctx, 'qemu', guest.vmid, { log: task.log });
        try {
          applyQemuUpdate(ctx, guest, req.params, accessOf(req));
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
    route('GET', `${BASE}/pending`, (req) => pendingRows(g(req))),
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
    route('POST', `${BASE}/clone`, (req) => cloneQemu(ctx, req)),
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
