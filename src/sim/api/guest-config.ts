/**
 * Normalising guest config values on create/update: allocating `STORAGE:SIZE` volumes,
 * auto MACs, canonical property strings (spec §6.1, §6.2), and the `delete=` / `digest`
 * handling shared by LXC and QEMU config updates (§5.6).
 */
import { SimApiError } from '../contract.ts';
import type { SimContext } from '../state/context.ts';
import { configDigest, DISK_KEY_RE, type Guest, type GuestConfig, type GuestType } from '../state/guests.ts';
import { FORMATS, formatSize, GiB, parseProps, printProps } from '../state/props.ts';
import { parseVolid } from '../state/storage.ts';

const LXC_NEW_DISK_RE = /^([^:\s]+):(\d+(?:\.\d+)?)$/;
const QEMU_NEW_DISK_RE = /^(?:([^/:\s]+):)?(\d+(?:\.\d+)?)$/;

/** Keys of the request that are call options, never stored in the config. */
export const CONTROL_PARAMS = new Set([
  'node',
  'vmid',
  'start',
  'pool',
  'storage',
  'force',
  'unique',
  'restore',
  'archive',
  'bwlimit',
  'live-restore',
  'ignore-unpack-errors',
  'password',
  'ssh-public-keys',
  'delete',
  'revert',
  'digest',
  'skiplock',
  'background_delay',
  'ostemplate',
]);

export function assertDigest(guest: Guest, digest: unknown): void {
  if (digest === undefined || digest === '') return;
  if (digest !== configDigest(guest)) {
    throw new SimApiError(
      500,
      guest.type === 'lxc'
        ? 'detected modified configuration - file changed by other user? Try again.'
        : 'checksum mismatch (file change by other user?)',
    );
  }
}

function requireStorageFor(ctx: SimContext, node: string, storage: string, content: 'rootdir' | 'images'): void {
  const c = ctx.storage.configs.get(storage);
  if (!c || !ctx.storage.availableOn(c, node)) throw new SimApiError(500, `storage '${storage}' does not exist`);
  if (!c.content.includes(content)) {
    // Both create handlers raise this as a parameter exception on `storage` (400).
    const message =
      content === 'rootdir'
        ? `storage '${storage}' does not support container directories`
        : `storage '${storage}' does not support vm images`;
    throw new SimApiError(400, 'Parameter verification failed.', { storage: message });
  }
}

/**
 * pve-guest-common `get_unique_tags` with the default tag style: split, lower-case, sort
 * case-insensitively, de-duplicate, join with `;`.
 */
export function uniqueTags(text: string): string {
  const tags = text
    .split(/[;,\s\0]+/)
    .filter(Boolean)
    .map((t) => t.toLowerCase())
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return [...new Set(tags)].join(';');
}

/** Turns one LXC key's raw value into the stored canonical value, allocating volumes. */
export function normalizeLxcValue(
  ctx: SimContext,
  guest: Guest,
  key: string,
  raw: unknown,
  defaultStorage: string,
): unknown {
  if (typeof raw !== 'string') return raw;
  if (key === 'tags') return uniqueTags(raw);
  if (/^net\d+$/.test(key)) {
    const net = parseProps(raw, FORMATS.lxcNet);
    net.hwaddr ??= ctx.random.mac();
    net.type ??= 'veth';
    return printProps(net, FORMATS.lxcNet);
  }
  if (key === 'rootfs' || /^mp\d+$/.test(key)) {
    const format = key === 'rootfs' ? FORMATS.lxcRootfs : FORMATS.lxcMp;
    const bare = /^\d+(\.\d+)?$/.test(raw) ? `${defaultStorage}:${raw}` : raw;
    const mp = parseProps(bare, format);
    const m = LXC_NEW_DISK_RE.exec(mp.volume ?? '');
    if (m) {
      const storage = m[1] as string;
      requireStorageFor(ctx, guest.node, storage, 'rootdir');
      const size = Math.round(Number(m[2]) * GiB);
      const vol = ctx.storage.allocImage(guest.node, storage, guest.vmid, size, 'lxc', ctx.clock.now());
      mp.volume = vol.volid;
      mp.size = formatSize(size);
    }
    return printProps(mp, format);
  }
  return raw;
}

/** Turns one QEMU key's raw value into the stored canonical value, allocating volumes. */
export function normalizeQemuValue(ctx: SimContext, guest: Guest, key: string, raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  if (key === 'tags') return uniqueTags(raw);
  if (/^net\d+$/.test(key)) {
    const net = parseProps(raw, FORMATS.qemuNet);
    net.macaddr ??= ctx.random.mac();
    return printProps(net, FORMATS.qemuNet);
  }
  if (key === 'agent') return printProps(parseProps(raw, FORMATS.agent), FORMATS.agent);
  if (!DISK_KEY_RE.test(key)) return raw;
  const disk = parseProps(raw, FORMATS.qemuDisk);
  const file = disk.file ?? '';
  const ci = /^([^/:\s]+):cloudinit$/.exec(file);
  if (ci) {
    const existing = Object.keys(guest.config).find(
      (k) => DISK_KEY_RE.test(k) && String(guest.config[k]).includes('-cloudinit'),
    );
    if (existing && existing !== key)
      throw new SimApiError(500, `${key} - cloud-init drive is already attached at '${existing}'`);
    requireStorageFor(ctx, guest.node, ci[1] as string, 'images');
    const vol = ctx.storage.allocCloudinit(guest.node, ci[1] as string, guest.vmid, ctx.clock.now());
    return printProps({ file: vol.volid, media: 'cdrom' }, FORMATS.qemuDisk);
  }
  const m = QEMU_NEW_DISK_RE.exec(file);
  if (m) {
    const storage = m[1] ?? 'local';
    requireStorageFor(ctx, guest.node, storage, 'images');
    const imported = disk['import-from'];
    const source = imported ? ctx.storage.find(guest.node, imported) : undefined;
    if (imported && !source) throw new SimApiError(500, `volume '${imported}' does not exist`);
    const size = source ? source.size : Math.round(Number(m[2]) * GiB);
    const vol = ctx.storage.allocImage(guest.node, storage, guest.vmid, size, 'qemu', ctx.clock.now(), disk.format);
    delete disk['import-from'];
    disk.file = vol.volid;
    disk.size = formatSize(size);
    if (vol.format !== 'raw' || disk.format) disk.format = vol.format;
    if (!disk.format) delete disk.format;
  }
  return printProps(disk, FORMATS.qemuDisk);
}

/** Volumes referenced by a config (disks, mount points, unused). */
export function referencedVolumes(type: GuestType, config: GuestConfig): { key: string; volid: string }[] {
  const out: { key: string; volid: string }[] = [];
  for (const [key, value] of Object.entries(config)) {
    if (typeof value !== 'string') continue;
    const isVol =
      type === 'lxc' ? /^(rootfs|mp\d+|unused\d+)$/.test(key) : DISK_KEY_RE.test(key) || /^unused\d+$/.test(key);
    if (!isVol) continue;
    const first = value.split(',')[0] ?? '';
    const volid = first.includes('=') ? (/(?:volume|file)=([^,]+)/.exec(value)?.[1] ?? '') : first;
    if (volid.includes(':') && !volid.includes(':iso/')) {
      try {
        parseVolid(volid);
        out.push({ key, volid });
      } catch {
        /* not a volume (e.g. a bind mount path) */
      }
    }
  }
  return out;
}

/** Splits `delete=a,b` / arrays into keys. */
export function deleteList(value: unknown): string[] {
  if (value === undefined || value === null || value === '') return [];
  const items = Array.isArray(value) ? value.map(String) : String(value).split(/[,;\s]+/);
  return items.filter(Boolean);
}

/** Moves a volume key being deleted to the first free `unusedN` (PVE keeps the disk). */
export function moveToUnused(config: GuestConfig, key: string, volid: string): void {
  let n = 0;
  while (config[`unused${n}`] !== undefined) n++;
  config[`unused${n}`] = volid;
  delete config[key];
}
