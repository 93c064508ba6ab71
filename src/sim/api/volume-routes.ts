/**
 * Volumes beyond create/clone: multipart uploads of ISOs and container templates
 * (pve-storage `API2/Storage/Status.pm` `upload`: an `imgcopy` worker, checksum verified when
 * given), volume attributes (`GET …/content/{volume}`), QEMU `move-disk` (and its old name
 * `move_disk`: a `qmmove` worker under the config lock, the source kept as `unusedN` unless
 * `delete=1`) and `unlink` (drop disks from the config; `force=1` frees the volumes).
 */
import { createHash } from 'node:crypto';
import { accessOf, SimApiError, type SimRequest, type SimRoute } from '../contract.ts';
import { duration, lockConfig, requireGuest, requireNode, type SimContext } from '../state/context.ts';
import { checkLock, configDigest, DISK_KEY_RE } from '../state/guests.ts';
import { FORMATS, parseProps, printProps } from '../state/props.ts';
import { deleteList, moveToUnused } from './guest-config.ts';
import { route } from './envelope.ts';
import { startTask } from './guest-ops.ts';

/** File name rules per content type (pve-storage `ISO_EXT_RE_0`, `VZTMPL_EXT_RE_1`, import). */
const EXTENSIONS: Record<string, RegExp> = {
  iso: /\.(iso|img)$/i,
  vztmpl: /\.tar\.(gz|xz|zst|bz2)$/,
  import: /\.(ova|ovf|qcow2|raw|vmdk)$/,
};
const DIRS: Record<string, string> = { iso: 'template/iso', vztmpl: 'template/cache', import: 'import' };
const FORMATS_BY_EXT: [RegExp, string][] = [
  [/\.tar\.zst$/, 'tzst'],
  [/\.tar\.xz$/, 'txz'],
  [/\.tar\.gz$/, 'tgz'],
  [/\.iso$/i, 'iso'],
  [/\.img$/i, 'raw'],
  [/\.qcow2$/, 'qcow2'],
  [/\.vmdk$/, 'vmdk'],
  [/\.ova$/, 'ova'],
];

function upload(ctx: SimContext, req: SimRequest): string {
  const p = req.params;
  const node = requireNode(ctx, p.node).name;
  const c = ctx.storage.get(String(p.storage));
  const content = String(p.content);
  const file = req.upload;
  if (!file || p.tmpfilename === undefined) throw new SimApiError(500, 'missing temporary file name');
  if (!c.content.includes(content))
    throw new SimApiError(500, `storage '${c.storage}' does not support '${content}' content`);
  if (c.type !== 'dir' && c.type !== 'nfs') throw new SimApiError(500, `can't upload to storage type '${c.type}'`);
  // normalize_content_filename: path parts dropped, unsafe characters replaced.
  const filename =
    String(p.filename)
      .split('/')
      .pop()
      ?.replace(/[^\p{L}\p{N}_.-]/gu, '_') ?? '';
  if (!EXTENSIONS[content]?.test(filename))
    throw new SimApiError(400, 'Parameter verification failed.', { filename: 'wrong file extension' });
  const target = `${c.path ?? '/var/lib/vz'}/${DIRS[content] ?? content}/${filename}`;
  const tmp = String(p.tmpfilename);
  return startTask(ctx, req, { node }, 'imgcopy', '', async (task) => {
    task.log(`starting file import from: ${tmp}`);
    if (typeof p.checksum === 'string') {
      task.log('calculating checksum...');
      const got = createHash(String(p['checksum-algorithm'])).update(file.data).digest('hex');
      if (got.toLowerCase() !== p.checksum.toLowerCase())
        throw new Error(`checksum mismatch: got '${got}' != expect '${p.checksum}'`);
      task.log('checksum verified');
    }
    task.log(`target node: ${node}`);
    task.log(`target file: ${target}`);
    task.log(`file size is: ${file.data.length}`);
    task.log(`command: cp -- ${tmp} ${target}`);
    await task.sleep(duration(ctx, 'upload'));
    const volid = `${c.storage}:${content}/${filename}`;
    if (ctx.storage.find(node, volid)) ctx.storage.free(node, volid);
    ctx.storage.add(node, {
      volid,
      content,
      format: FORMATS_BY_EXT.find(([re]) => re.test(filename))?.[1] ?? 'raw',
      size: file.data.length,
      ctime: Math.floor(ctx.clock.now() / 1000),
    });
    task.log('finished file import successfully');
  });
}

function moveDisk(ctx: SimContext, req: SimRequest): string {
  const p = req.params;
  const guest = requireGuest(ctx, p.node, p.vmid, 'qemu');
  const disk = String(p.disk);
  if (p['target-vmid'] !== undefined && Number(p['target-vmid']) !== guest.vmid)
    throw new SimApiError(500, 'moving a disk to another VM (target-vmid) is not supported by the simulator');
  if (typeof p.storage !== 'string') throw new SimApiError(500, "either set 'storage' or 'target-vmid', but not both");
  const storage = p.storage;
  accessOf(req).check(`/storage/${storage}`, ['Datastore.AllocateSpace']);
  const value = guest.config[disk];
  if (typeof value !== 'string') throw new SimApiError(500, `disk '${disk}' does not exist`);
  const drive = parseProps(value, FORMATS.qemuDisk);
  if (drive.media === 'cdrom') throw new SimApiError(500, "you can't move a cdrom");
  const source = ctx.storage.find(guest.node, drive.file ?? '');
  const target = ctx.storage.get(storage);
  const format =
    typeof p.format === 'string'
      ? p.format
      : target.type === 'dir' || target.type === 'nfs'
        ? (source?.format ?? 'raw')
        : 'raw';
  if (source && source.volid.startsWith(`${storage}:`) && source.format === format)
    throw new SimApiError(500, "you can't move to the same storage with same format");
  if (p.digest !== undefined && p.digest !== configDigest(guest))
    throw new SimApiError(500, 'checksum mismatch (file change by other user?)');
  checkLock(guest);
  return startTask(ctx, req, guest, 'qmmove', guest.vmid, async (task) => {
    const release = await lockConfig(ctx, 'qemu', guest.vmid, { log: task.log });
    try {
      checkLock(guest);
      const now = Math.floor(ctx.clock.now() / 1000);
      const created = ctx.storage.allocImage(guest.node, storage, guest.vmid, source?.size ?? 0, 'qemu', now, format);
      task.log(`create full clone of drive ${disk} (${drive.file ?? ''})`);
      await task.sleep(duration(ctx, 'qmmove'));
      task.log(`transferred ${source?.size ?? 0} bytes`);
      const current = String(guest.config[disk] ?? value);
      guest.config[disk] = printProps(
        { ...parseProps(current, FORMATS.qemuDisk), file: created.volid },
        FORMATS.qemuDisk,
      );
      if (p.delete === 1) ctx.storage.free(guest.node, drive.file ?? '');
      else {
        guest.config.__moved = drive.file ?? '';
        moveToUnused(guest.config, '__moved', drive.file ?? '');
      }
    } finally {
      release();
    }
  });
}

/** pve-container `move_volume` to another storage: stopped containers only, a `move_volume` worker. */
function moveVolume(ctx: SimContext, req: SimRequest): string {
  const p = req.params;
  const guest = requireGuest(ctx, p.node, p.vmid, 'lxc');
  const key = String(p.volume);
  if (p['target-vmid'] !== undefined && Number(p['target-vmid']) !== guest.vmid)
    throw new SimApiError(500, 'moving a volume to another container (target-vmid) is not supported by the simulator');
  if (typeof p.storage !== 'string') throw new SimApiError(500, "either set 'storage' or 'target-vmid', but not both");
  const storage = p.storage;
  accessOf(req).check(`/storage/${storage}`, ['Datastore.AllocateSpace']);
  if (guest.status === 'running') throw new SimApiError(500, 'cannot move volumes of a running container');
  const value = guest.config[key];
  if (typeof value !== 'string') throw new SimApiError(500, `no such volume '${key}'`);
  const format = key === 'rootfs' ? FORMATS.lxcRootfs : FORMATS.lxcMp;
  const volid = parseProps(value, format).volume ?? '';
  if (volid.startsWith(`${storage}:`)) throw new SimApiError(500, 'Moving volume to the same storage is not supported');
  if (p.digest !== undefined && p.digest !== configDigest(guest))
    throw new SimApiError(500, 'detected modified configuration - file changed by other user? Try again.');
  checkLock(guest);
  guest.config.lock = 'disk';
  return startTask(
    ctx,
    req,
    guest,
    'move_volume',
    guest.vmid,
    async (task) => {
      const source = ctx.storage.find(guest.node, volid);
      const now = Math.floor(ctx.clock.now() / 1000);
      const created = ctx.storage.allocImage(guest.node, storage, guest.vmid, source?.size ?? 0, 'lxc', now);
      task.log(`moving volume '${volid}' to '${created.volid}'`);
      await task.sleep(duration(ctx, 'qmmove'));
      guest.config[key] = printProps(
        { ...parseProps(String(guest.config[key]), format), volume: created.volid },
        format,
      );
      if (p.delete === 1) ctx.storage.free(guest.node, volid);
      else {
        guest.config.__moved = volid;
        moveToUnused(guest.config, '__moved', volid);
      }
    },
    { onFinally: () => delete guest.config.lock },
  );
}

async function unlink(ctx: SimContext, req: SimRequest): Promise<null> {
  const guest = requireGuest(ctx, req.params.node, req.params.vmid, 'qemu');
  const ids = deleteList(req.params.idlist);
  const release = await lockConfig(ctx, 'qemu', guest.vmid);
  try {
    checkLock(guest);
    for (const key of ids) {
      const value = guest.config[key];
      if (typeof value !== 'string') continue;
      if (!DISK_KEY_RE.test(key) && !/^unused\d+$/.test(key))
        throw new SimApiError(400, 'Parameter verification failed.', { idlist: `invalid disk '${key}'` });
      const file = /^unused/.test(key) ? value : (parseProps(value, FORMATS.qemuDisk).file ?? '');
      const cdrom = !/^unused/.test(key) && parseProps(value, FORMATS.qemuDisk).media === 'cdrom';
      if (req.params.force === 1 || cdrom || /^unused/.test(key)) {
        if (!cdrom && (req.params.force === 1 || /^unused/.test(key))) ctx.storage.free(guest.node, file);
        delete guest.config[key];
      } else moveToUnused(guest.config, key, file);
    }
  } finally {
    release();
  }
  return null;
}

export function volumeRoutes(ctx: SimContext): SimRoute[] {
  return [
    route('POST', '/nodes/{node}/storage/{storage}/upload', (req) => upload(ctx, req)),
    route('GET', '/nodes/{node}/storage/{storage}/content/{volume}', (req) => {
      const node = requireNode(ctx, req.params.node).name;
      const volume = String(req.params.volume);
      const volid = volume.includes(':') ? volume : `${String(req.params.storage)}:${volume}`;
      const vol = ctx.storage.find(node, volid);
      if (!vol) throw new SimApiError(500, `volume '${volid}' does not exist`);
      const c = ctx.storage.get(volid.split(':')[0] ?? '');
      accessOf(req).check(`/storage/${c.storage}`, ['Datastore.Audit', 'Datastore.AllocateSpace'], true);
      const volname = volid.slice(volid.indexOf(':') + 1);
      const dir = { iso: 'template/iso', vztmpl: 'template/cache', import: 'import', backup: 'dump' }[vol.content];
      const path =
        c.type === 'dir' || c.type === 'nfs'
          ? `${c.path ?? '/var/lib/vz'}/${dir ?? 'images'}/${dir ? volname.replace(/^[^/]+\//, '') : volname}`
          : c.type === 'zfspool'
            ? `/dev/zvol/${String(c.pool ?? 'rpool/data')}/${volname}`
            : `/dev/${String(c.vgname ?? 'pve')}/${volname}`;
      return {
        path,
        size: vol.size,
        used: vol.content === 'images' || vol.content === 'rootdir' ? 0 : vol.size,
        format: vol.format,
      };
    }),
    route('POST', '/nodes/{node}/qemu/{vmid}/move_disk', (req) => moveDisk(ctx, req)),
    route('PUT', '/nodes/{node}/qemu/{vmid}/unlink', (req) => unlink(ctx, req)),
    route('POST', '/nodes/{node}/lxc/{vmid}/move_volume', (req) => moveVolume(ctx, req)),
  ];
}
