/**
 * LXC clone (spec §5.4, A.4 clone): the source gets `lock: disk` synchronously (a second clone
 * fails with `CT is locked (disk)`), the target `lock: create`; a `vzclone` worker copies or
 * links the mount points, gives the NICs new MACs and removes both locks.
 */
import { accessOf, SimApiError, type SimRequest } from '../contract.ts';
import { checkBridges, checkCloneSpace } from './guest-perms.ts';
import { duration, requireGuest, type SimContext } from '../state/context.ts';
import { checkLock } from '../state/guests.ts';
import { FORMATS, parseProps, printProps } from '../state/props.ts';
import { addToPool, assertVmidFree, newGuest, startTask } from './guest-ops.ts';
import { cloneTargetNode } from './clone-target.ts';

export function cloneLxc(ctx: SimContext, req: SimRequest): string {
  const p = req.params;
  const source = requireGuest(ctx, p.node, p.vmid, 'lxc');
  const newid = Number(p.newid);
  const isTemplate = source.config.template === 1;
  const full = p.full === undefined ? !isTemplate : p.full === 1;
  if (!full && p.storage !== undefined) {
    throw new SimApiError(400, 'Parameter verification failed.', {
      storage: "parameter 'storage' not allowed for linked clones",
    });
  }
  // Spec §5.4: the source gets `lock: disk` synchronously; a second clone fails here.
  checkLock(source);
  assertVmidFree(ctx, newid, 'lxc');
  const snapname = typeof p.snapname === 'string' ? p.snapname : undefined;
  if (snapname && !source.snapshots[snapname]) throw new SimApiError(500, `snapshot '${snapname}' does not exist`);
  const sourceConfig = snapname ? (source.snapshots[snapname]?.config ?? {}) : source.config;
  if (!full) {
    for (const key of Object.keys(sourceConfig).filter((k) => k === 'rootfs' || /^mp\d+$/.test(k))) {
      const volid =
        parseProps(String(sourceConfig[key]), key === 'rootfs' ? FORMATS.lxcRootfs : FORMATS.lxcMp).volume ?? '';
      if (volid.includes(':') && !ctx.storage.canLinkClone(volid, snapname !== undefined)) {
        throw new SimApiError(500, `Linked clone feature for '${volid}' is not available`);
      }
    }
  }
  checkCloneSpace(
    accessOf(req),
    sourceConfig,
    full,
    p.storage,
    (v) => ({ file: parseProps(v, FORMATS.lxcRootfs).volume }),
    /^(rootfs|mp\d+)$/,
  );
  checkBridges(accessOf(req), sourceConfig, true);
  const volids = Object.keys(sourceConfig)
    .filter((k) => k === 'rootfs' || /^mp\d+$/.test(k))
    .map((k) => parseProps(String(sourceConfig[k]), k === 'rootfs' ? FORMATS.lxcRootfs : FORMATS.lxcMp).volume ?? '')
    .filter((v) => v.includes(':'));
  const node = cloneTargetNode(ctx, req, source, volids, 'CT');
  source.config.lock = 'disk';
  const hostname = typeof p.hostname === 'string' ? p.hostname : String(source.config.hostname ?? `CT${newid}`);
  const target = newGuest('lxc', newid, node, hostname);
  target.config = { lock: 'create' };
  ctx.guests.set(newid, target);
  addToPool(ctx, p.pool, newid);
  const kind = full ? 'full' : 'linked';
  return startTask(
    ctx,
    req,
    source,
    'vzclone',
    source.vmid,
    async (task) => {
      const config: Record<string, string | number> = { ...sourceConfig };
      delete config.lock;
      delete config.parent;
      delete config.template;
      for (const key of Object.keys(config)) {
        const value = config[key];
        if (typeof value !== 'string') continue;
        if (/^net\d+$/.test(key)) {
          const net = parseProps(value, FORMATS.lxcNet);
          net.hwaddr = ctx.random.mac();
          config[key] = printProps(net, FORMATS.lxcNet);
        } else if (key === 'rootfs' || /^mp\d+$/.test(key)) {
          const format = key === 'rootfs' ? FORMATS.lxcRootfs : FORMATS.lxcMp;
          const mp = parseProps(value, format);
          const volid = mp.volume ?? '';
          if (full) {
            task.log(`create full clone of mountpoint ${key} (${volid})`);
            const src = ctx.storage.find(source.node, volid);
            const storage = typeof p.storage === 'string' ? p.storage : (volid.split(':')[0] ?? 'local');
            const vol = ctx.storage.allocImage(node, storage, newid, src?.size ?? 0, 'lxc', ctx.clock.now());
            mp.volume = vol.volid;
          } else {
            task.log(`create linked clone of mount point ${key} (${volid})`);
            mp.volume = ctx.storage.linkedClone(node, volid, newid, 'lxc', ctx.clock.now()).volid;
          }
          config[key] = printProps(mp, format);
        }
      }
      config.hostname = hostname;
      if (typeof p.description === 'string') config.description = p.description;
      target.config = { ...config, lock: 'create' };
      await task.sleep(duration(ctx, `vzclone:${kind}`));
      delete target.config.lock;
    },
    {
      onError: () => {
        ctx.storage.volumesOf(node, newid).forEach((v) => ctx.storage.free(node, v.volid));
        if (ctx.guests.get(newid) === target) ctx.guests.delete(newid);
      },
      onFinally: () => {
        if (source.config.lock === 'disk') delete source.config.lock;
      },
    },
  );
}
