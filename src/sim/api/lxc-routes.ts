/**
 * LXC containers (spec A.4, §5.2, §5.4, §5.5): create, config, status transitions, destroy,
 * clone (source `lock: disk`), template, resize, snapshots and interfaces.
 */
import { accessOf, SimApiError, type SimRequest, type SimRoute } from '../contract.ts';
import {
  assertQuorum,
  duration,
  lockConfig,
  requireGuest,
  requireNode,
  withConfigLock,
  type SimContext,
} from '../state/context.ts';
import { checkLock, configDigest, effectiveConfig, type Guest } from '../state/guests.ts';
import { checkAllocate, checkLxcKeys, checkResizeSpace, checkVolumeAccess } from './guest-perms.ts';
import { cleanupPending } from './qemu-config.ts';
import { FORMATS, parseProps } from '../state/props.ts';
import { agentInterfaces } from '../guests/guest-os.ts';
import { lxcNics } from './guest-nics.ts';
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
import { assertDigest, CONTROL_PARAMS, deleteList, moveToUnused, normalizeLxcValue } from './guest-config.ts';
import { guestSummary } from './guest-summary.ts';
import { route } from './envelope.ts';
import { cloneLxc } from './lxc-clone.ts';
import { applyPending, pendingRows } from './qemu-routes.ts';

const BASE = '/nodes/{node}/lxc/{vmid}';

function ostypeOf(template: string): string {
  const m = /(debian|ubuntu|alpine|centos|fedora|archlinux|devuan|opensuse|gentoo|nixos)/.exec(template);
  return m ? (m[1] as string) : 'unmanaged';
}

function statusRow(ctx: SimContext, g: Guest): Record<string, unknown> {
  const s = guestSummary(ctx, g);
  const row: Record<string, unknown> = {
    vmid: g.vmid,
    status: g.status,
    name: s.name,
    type: 'lxc',
    cpus: s.cpus,
    maxmem: s.maxmem,
    mem: s.mem,
    maxswap: (typeof g.config.swap === 'number' ? g.config.swap : 512) * 1024 * 1024,
    swap: 0,
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
  assertQuorum(ctx);
  const vmid = Number(p.vmid);
  assertVmidFree(ctx, vmid, 'lxc');
  if (p.pool !== undefined && !ctx.pools.has(String(p.pool)))
    throw new SimApiError(500, `pool '${String(p.pool)}' does not exist`);
  const storage = typeof p.storage === 'string' ? p.storage : 'local';
  const ostemplate = String(p.ostemplate);
  const access = accessOf(req);
  checkAllocate(access, vmid, p.pool);
  const settings = Object.fromEntries(
    Object.entries(p).filter(([k, v]) => !CONTROL_PARAMS.has(k) && v !== undefined),
  ) as Record<string, unknown>;
  settings.rootfs ??= `${storage}:4`;
  checkLxcKeys(access, vmid, p.pool, undefined, settings, [], p.unprivileged === 1);
  if (ostemplate !== '-') checkVolumeAccess(access, vmid, ostemplate);
  // No sync existence check in pve-container: a missing archive fails the worker.
  const tmpl = ctx.storage.find(node, ostemplate);
  const hostname = typeof p.hostname === 'string' ? p.hostname : `CT${vmid}`;
  const guest = newGuest('lxc', vmid, node, hostname);
  const rootfs = typeof p.rootfs === 'string' ? p.rootfs : `${storage}:4`;
  // Defaults written by pve-container create_vm: hostname, memory, swap (arch/ostype detected).
  const config: Record<string, string | number> = {
    arch: typeof p.arch === 'string' ? p.arch : 'amd64',
    ostype: ostypeOf(ostemplate),
    hostname,
    memory: 512,
    swap: 512,
  };
  try {
    config.rootfs = normalizeLxcValue(ctx, guest, 'rootfs', rootfs, storage) as string;
    for (const [key, value] of Object.entries(p)) {
      if (CONTROL_PARAMS.has(key) || key === 'rootfs' || value === undefined) continue;
      config[key] = normalizeLxcValue(ctx, guest, key, value, storage) as string | number;
    }
  } catch (error) {
    ctx.storage.volumesOf(node, vmid).forEach((v) => ctx.storage.free(node, v.volid));
    throw error;
  }
  guest.config = { ...config, lock: 'create' };
  if (typeof p['ssh-public-keys'] === 'string') {
    guest.os.files['/root/.ssh/authorized_keys'] = { content: `${p['ssh-public-keys'].trim()}\n`, mode: '0600' };
  }
  ctx.guests.set(vmid, guest);
  return startTask(
    ctx,
    req,
    guest,
    'vzcreate',
    vmid,
    async (task) => {
      task.log(`extracting archive '/var/lib/vz/template/cache/${ostemplate.split('/').pop() ?? ''}'`);
      await task.sleep(duration(ctx, 'vzcreate') * 0.8);
      if (!tmpl || (tmpl.content !== 'vztmpl' && tmpl.content !== 'backup')) {
        throw new Error(`unable to create CT ${vmid} - volume '${ostemplate}' does not exist`);
      }
      task.log(`Total bytes read: ${tmpl.size}`);
      task.log(`Detected container architecture: ${config.arch}`);
      task.log("Creating SSH host key 'ssh_host_rsa_key' - this may take some time ...");
      await task.sleep(duration(ctx, 'vzcreate') * 0.2);
      delete guest.config.lock;
      addToPool(ctx, p.pool, vmid);
      if (p.start === 1) {
        guest.status = 'running';
        guest.startedAt = ctx.clock.now();
        guest.pid = ctx.random.int(1000, 4_000_000);
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

/**
 * Options a running container takes at once (pve-container `vmconfig_hotplug_pending`: the
 * fast-plug options and what it hot-plugs); the rest (`features`, `nameserver`, `rootfs` ...)
 * stays `[PENDING]` until the container stops.
 */
const LXC_HOT =
  /^(description|onboot|startup|protection|hostname|hookscript|cores|tags|lock|cpulimit|cpuunits|memory|swap|net\d+|mp\d+)$/;
const LXC_HOT_DELETE =
  /^(description|onboot|startup|protection|hostname|hookscript|cores|tags|lock|cpulimit|cpuunits|net\d+)$/;

async function updateConfig(ctx: SimContext, req: SimRequest): Promise<null> {
  const guest = requireGuest(ctx, req.params.node, req.params.vmid, 'lxc');
  const p = req.params;
  const deletes = deleteList(p.delete);
  const reverts = deleteList(p.revert);
  const sets = Object.entries(p).filter(([k, v]) => !CONTROL_PARAMS.has(k) && v !== undefined);
  checkLxcKeys(
    accessOf(req),
    guest.vmid,
    undefined,
    guest.config,
    Object.fromEntries(sets),
    [...deletes, ...reverts],
    effectiveConfig(guest).unprivileged === 1,
  );
  return withConfigLock(ctx, 'lxc', guest.vmid, () => {
    checkLock(guest);
    assertDigest(guest, p.digest);
    if (sets.length === 0 && deletes.length === 0 && reverts.length === 0)
      throw new SimApiError(500, 'no options specified');
    for (const key of reverts) {
      delete guest.pending[key];
      guest.pendingDelete = guest.pendingDelete.filter((k) => k !== key);
    }
    const running = guest.status === 'running';
    for (const key of deletes) {
      if (running && !LXC_HOT_DELETE.test(key)) {
        delete guest.pending[key];
        if (!guest.pendingDelete.includes(key)) guest.pendingDelete.push(key);
        continue;
      }
      const value = guest.config[key];
      if (/^mp\d+$/.test(key) && typeof value === 'string')
        moveToUnused(guest.config, key, parseProps(value, FORMATS.lxcMp).volume ?? '');
      else delete guest.config[key];
    }
    for (const [key, value] of sets) {
      const stored = normalizeLxcValue(ctx, guest, key, value, 'local') as string | number;
      guest.pendingDelete = guest.pendingDelete.filter((k) => k !== key);
      if (running && !LXC_HOT.test(key)) guest.pending[key] = stored;
      else {
        guest.config[key] = stored;
        delete guest.pending[key];
      }
    }
    cleanupPending(guest);
    return null;
  });
}

function power(ctx: SimContext, req: SimRequest, action: 'start' | 'stop' | 'shutdown' | 'reboot'): string {
  const guest = requireGuest(ctx, req.params.node, req.params.vmid, 'lxc');
  const running = guest.status === 'running';
  if (action === 'start' && running) throw new SimApiError(500, `CT ${guest.vmid} already running`);
  if ((action === 'stop' || action === 'shutdown') && !running)
    throw new SimApiError(500, `CT ${guest.vmid} not running`);
  if (action === 'reboot' && !running) throw new SimApiError(500, `VM ${guest.vmid} not running`);
  const type = `vz${action}`;
  return startTask(ctx, req, guest, type, guest.vmid, async (task) => {
    if (action === 'start') {
      if (guest.config.template === 1) throw new Error("you can't start a CT if it's a template");
      checkLock(guest);
    }
    await task.sleep(duration(ctx, type));
    // The post-stop hook applies what was pending (a reboot is a stop and a start).
    if (action !== 'start') applyPending(guest);
    if (action === 'start' || action === 'reboot') {
      guest.status = 'running';
      guest.startedAt = ctx.clock.now();
      guest.pid = ctx.random.int(1000, 4_000_000);
    } else {
      guest.status = 'stopped';
      guest.startedAt = undefined;
    }
  });
}

async function resize(ctx: SimContext, req: SimRequest): Promise<string> {
  const guest = requireGuest(ctx, req.params.node, req.params.vmid, 'lxc');
  const disk = String(req.params.disk);
  const release = await lockConfig(ctx, 'lxc', guest.vmid);
  try {
    checkLock(guest);
    assertDigest(guest, req.params.digest);
    const value = guest.config[disk];
    if (typeof value !== 'string') throw new SimApiError(500, `unable to resize ${disk} - no such mount point`);
    const format = disk === 'rootfs' ? FORMATS.lxcRootfs : FORMATS.lxcMp;
    checkResizeSpace(accessOf(req), parseProps(value, format).volume);
    const current = diskSizeOf(value, format);
    const target = resizeTarget(current, String(req.params.size));
    if (target < current) throw new SimApiError(500, 'unable to shrink disk size');
    if (target === current) throw new SimApiError(500, 'disk is already at specified size');
    return startTask(ctx, req, guest, 'resize', guest.vmid, async (task) => {
      await task.sleep(duration(ctx, 'resize'));
      const volid = parseProps(value, format).volume ?? '';
      const vol = ctx.storage.find(guest.node, volid);
      if (vol) vol.size = target;
      guest.config[disk] = withSize(String(guest.config[disk]), format, target);
    });
  } finally {
    release();
  }
}

export function lxcRoutes(ctx: SimContext): SimRoute[] {
  const g = (req: SimRequest): Guest => requireGuest(ctx, req.params.node, req.params.vmid, 'lxc');
  return [
    route('GET', '/nodes/{node}/lxc', (req) => {
      const node = requireNode(ctx, req.params.node).name;
      return [...ctx.guests.values()]
        .filter((x) => x.type === 'lxc' && x.node === node && accessOf(req).has(`/vms/${x.vmid}`, ['VM.Audit']))
        .map((x) => statusRow(ctx, x));
    }),
    route('POST', '/nodes/{node}/lxc', (req) => create(ctx, req)),
    route('GET', BASE, (req) => {
      g(req);
      return ['config', 'status', 'snapshot', 'firewall', 'interfaces', 'pending'].map((subdir) => ({ subdir }));
    }),
    route('GET', `${BASE}/config`, (req) => {
      const guest = g(req);
      if (req.params.snapshot !== undefined) {
        const snap = guest.snapshots[String(req.params.snapshot)];
        if (!snap) throw new SimApiError(500, `snapshot '${String(req.params.snapshot)}' does not exist`);
        return { ...snap.config, digest: configDigest(guest) };
      }
      const config = req.params.current === 1 ? guest.config : effectiveConfig(guest);
      return { ...config, digest: configDigest(guest) };
    }),
    route('PUT', `${BASE}/config`, (req) => updateConfig(ctx, req)),
    route('GET', `${BASE}/pending`, (req) => pendingRows(g(req))),
    route('GET', `${BASE}/status`, (req) => {
      g(req);
      return ['current', 'start', 'stop', 'shutdown', 'reboot'].map((subdir) => ({ subdir }));
    }),
    route('GET', `${BASE}/status/current`, (req) => {
      const guest = g(req);
      return { ...statusRow(ctx, guest), ha: { managed: 0 } };
    }),
    route('POST', `${BASE}/status/start`, (req) => power(ctx, req, 'start')),
    route('POST', `${BASE}/status/stop`, (req) => power(ctx, req, 'stop')),
    route('POST', `${BASE}/status/shutdown`, (req) => power(ctx, req, 'shutdown')),
    route('POST', `${BASE}/status/reboot`, (req) => power(ctx, req, 'reboot')),
    route('DELETE', BASE, (req) => destroyGuest(ctx, req, g(req))),
    route('POST', `${BASE}/clone`, (req) => cloneLxc(ctx, req)),
    route('POST', `${BASE}/template`, (req) => {
      const guest = g(req);
      assertTemplatable(guest);
      // Spec A.4: returns null although a `vztemplate` worker runs.
      startTask(ctx, req, guest, 'vztemplate', guest.vmid, async (task) => {
        await task.sleep(duration(ctx, 'vztemplate'));
        convertToTemplate(ctx, guest);
      });
      return null;
    }),
    route('PUT', `${BASE}/resize`, (req) => resize(ctx, req)),
    route('GET', `${BASE}/snapshot`, (req) => snapshotList(g(req))),
    route('POST', `${BASE}/snapshot`, (req) => createSnapshot(ctx, req, g(req))),
    route('GET', `${BASE}/snapshot/{snapname}`, (req) => {
      g(req);
      return [{ rel: 'config' }, { rel: 'rollback' }];
    }),
    route('GET', `${BASE}/snapshot/{snapname}/config`, (req) => {
      const snap = g(req).snapshots[String(req.params.snapname)];
      if (!snap) throw new SimApiError(500, `snapshot '${String(req.params.snapname)}' does not exist`);
      return { ...snap.config, snaptime: snap.snaptime, ...(snap.parent ? { parent: snap.parent } : {}) };
    }),
    route('DELETE', `${BASE}/snapshot/{snapname}`, (req) => deleteSnapshot(ctx, req, g(req))),
    route('POST', `${BASE}/snapshot/{snapname}/rollback`, (req) => rollbackSnapshot(ctx, req, g(req))),
    route('GET', `${BASE}/interfaces`, (req) => {
      const guest = g(req);
      if (guest.status !== 'running') throw new SimApiError(500, `CT ${guest.vmid} not running`);
      return (
        agentInterfaces(lxcNics(ctx, guest)) as {
          name: string;
          'hardware-address': string;
          'ip-addresses': { 'ip-address': string; 'ip-address-type': string; prefix: number }[];
        }[]
      ).map((i) => {
        const v4 = i['ip-addresses'].find((a) => a['ip-address-type'] === 'ipv4');
        const v6 = i['ip-addresses'].find((a) => a['ip-address-type'] === 'ipv6');
        return {
          name: i.name,
          hwaddr: i['hardware-address'],
          'hardware-address': i['hardware-address'],
          ...(v4 ? { inet: `${v4['ip-address']}/${v4.prefix}` } : {}),
          ...(v6 ? { inet6: `${v6['ip-address']}/${v6.prefix}` } : {}),
          'ip-addresses': i['ip-addresses'],
        };
      });
    }),
  ];
}
