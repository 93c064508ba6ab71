/**
 * QEMU clone (spec §5.3, A.5 clone): sync checks, then a `qmclone` worker that holds the source
 * flock (shared when stopped) and the target flock for the whole clone, writes the target as
 * `lock: clone`, clones disk by disk (full or linked) and finally writes the new config.
 */
import { accessOf, SimApiError, type SimRequest } from '../contract.ts';
import { checkBridges, checkCloneSpace } from './guest-perms.ts';
import { duration, lockConfig, requireGuest, type SimContext } from '../state/context.ts';
import { checkLock, DISK_KEY_RE } from '../state/guests.ts';
import { FORMATS, parseProps, printProps } from '../state/props.ts';
import { addToPool, newGuest, startTask } from './guest-ops.ts';
import { cloneTargetNode } from './clone-target.ts';

export function cloneQemu(ctx: SimContext, req: SimRequest): string {
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
  if (!full) {
    for (const key of Object.keys(sourceConfig).filter((k) => DISK_KEY_RE.test(k))) {
      const disk = parseProps(String(sourceConfig[key]), FORMATS.qemuDisk);
      const volid = disk.file ?? '';
      if (disk.media === 'cdrom' || !volid.includes(':')) continue;
      if (!ctx.storage.canLinkClone(volid, snapname !== undefined)) {
        // The PVE 8 wording seen in field reports (spec A.5 clone early checks).
        throw new SimApiError(500, `Linked clone feature is not supported for '${volid}' (${key})`);
      }
    }
  }
  checkCloneSpace(accessOf(req), sourceConfig, full, p.storage, (v) => parseProps(v, FORMATS.qemuDisk), DISK_KEY_RE);
  checkBridges(accessOf(req), sourceConfig, false);
  const volids = Object.keys(sourceConfig)
    .filter((k) => DISK_KEY_RE.test(k))
    .map((k) => parseProps(String(sourceConfig[k]), FORMATS.qemuDisk).file ?? '')
    .filter((v) => v.includes(':'));
  const node = cloneTargetNode(ctx, req, source, volids, 'VM');
  const target = newGuest(
    'qemu',
    newid,
    node,
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
          // A full clone puts every drive, the cloud-init one too, on the target storage when one is given.
          const storage = full && typeof p.storage === 'string' ? p.storage : (volid.split(':')[0] ?? 'local');
          disk.file = ctx.storage.allocCloudinit(node, storage, newid, ctx.clock.now()).volid;
        } else if (full) {
          task.log(`create full clone of drive ${key} (${volid})`);
          const src = ctx.storage.find(source.node, volid);
          const storage = typeof p.storage === 'string' ? p.storage : (volid.split(':')[0] ?? 'local');
          disk.file = ctx.storage.allocImage(
            node,
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
          disk.file = ctx.storage.linkedClone(node, volid, newid, 'qemu', ctx.clock.now()).volid;
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
        ctx.storage.volumesOf(node, newid).forEach((v) => ctx.storage.free(node, v.volid));
        if (ctx.guests.get(newid) === target) ctx.guests.delete(newid);
      },
      onFinally: () => releases.forEach((r) => r()),
    },
  ).replace(/^/, '');
}
