/**
 * Attribute paths and their canonical values. A guest's desired state is projected onto a
 * flat list of attributes (`memory`, `net0.bridge`, `rootfs.size`, ...); the observed PVE config
 * is read back through the SAME paths and normalisers, so equal meaning gives equal text and a
 * second plan is exactly "no changes" (spec §6.1: PVE re-serialises whatever it is given).
 */
import {
  decodeSshKeys,
  formatSize,
  normBool,
  normMac,
  parsePropertyString,
  parseSize,
  parseTags,
} from './property-string.ts';

/**
 * What applying a change to one attribute costs:
 * - `in-place`: a config write, effective immediately;
 * - `restart`: a config write that a running guest only picks up after a restart;
 * - `resize`: a disk grow task;
 * - `cloud-init`: a cloud-init value; the guest's cloud-init policy decides (restart or not);
 * - `power`: start/stop only;
 * - `convert`: conversion to a template (one way);
 * - `replace`: cannot be changed on an existing guest.
 */
export type Effect =
  | 'in-place'
  | 'restart'
  | 'resize'
  | 'cloud-init'
  | 'power'
  | 'convert'
  | 'replace'
  | 'firewall'
  /** `--rebalance` moves the guest to another node: a migration (migrate.ts), never a replacement. */
  | 'migrate';

export interface Attribute {
  path: string;
  /** Canonical value (see `normalizeValue`); undefined means "must be absent". */
  value: string | undefined;
  effect: Effect;
  sensitive?: boolean;
}

/** PVE config keys whose values are property strings, with their default key. */
const PROPERTY_KEYS: { pattern: RegExp; defaultKey?: string }[] = [
  { pattern: /^rootfs$/, defaultKey: 'volume' },
  { pattern: /^mp\d+$/, defaultKey: 'volume' },
  { pattern: /^(scsi|virtio|sata|ide)\d+$/, defaultKey: 'file' },
  // `disk` is the provider's alias for a VM's boot disk, whatever bus it sits on.
  { pattern: /^disk$/, defaultKey: 'file' },
  { pattern: /^net\d+$/ },
  { pattern: /^ipconfig\d+$/ },
  { pattern: /^features$/ },
  { pattern: /^startup$/, defaultKey: 'order' },
  { pattern: /^agent$/, defaultKey: 'enabled' },
];

const BOOL_SUBKEYS = new Set([
  'firewall',
  'nesting',
  'keyctl',
  'fuse',
  'mknod',
  'force_rw_sys',
  'enabled',
  'backup',
  'ro',
  'link_down',
  'acl',
  'quota',
  'replicate',
  'shared',
]);
const BOOL_KEYS = new Set(['onboot', 'unprivileged', 'template', 'protection']);
const QEMU_NIC_MODELS = new Set(['virtio', 'e1000', 'e1000e', 'rtl8139', 'vmxnet3', 'ne2k_pci', 'pcnet', 'i82551']);

export function propertyDefaultKey(key: string): { isProperty: boolean; defaultKey?: string } {
  const hit = PROPERTY_KEYS.find((p) => p.pattern.test(key));
  return hit ? { isProperty: true, defaultKey: hit.defaultKey } : { isProperty: false };
}

/** Parses a property-string config value, handling QEMU's `virtio=<MAC>` NIC alias. */
export function parseConfigValue(key: string, raw: string): Record<string, string> {
  const { defaultKey } = propertyDefaultKey(key);
  const record = parsePropertyString(raw, defaultKey);
  if (/^net\d+$/.test(key)) {
    for (const model of QEMU_NIC_MODELS) {
      const mac = record[model];
      if (mac === undefined) continue;
      delete record[model];
      record.model = model;
      if (mac !== '') record.macaddr = mac;
    }
  }
  const volume = record.volume ?? record.file;
  if (volume !== undefined) {
    // `local-lvm:vm-101-disk-0` or the allocation syntax `local-lvm:8`: the storage is the prefix.
    const colon = volume.indexOf(':');
    if (colon > 0) record.storage = volume.slice(0, colon);
    const alloc = /^[^:\s]+:(\d+(?:\.\d+)?)$/.exec(volume);
    if (alloc && record.size === undefined) record.size = `${alloc[1]}G`;
  }
  return record;
}

/** Canonical text of one attribute value, used on both the desired and the observed side. */
export function normalizeValue(path: string, raw: string | number | boolean | undefined): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  const text = typeof raw === 'boolean' ? (raw ? '1' : '0') : String(raw).trim();
  const dot = path.indexOf('.');
  const key = dot < 0 ? path : path.slice(0, dot);
  const sub = dot < 0 ? undefined : path.slice(dot + 1);
  if (sub === undefined) {
    if (BOOL_KEYS.has(key)) return normBool(text) ?? text;
    // PVE stores tags lower-cased, de-duplicated and sorted (get_unique_tags): compare the same way.
    if (key === 'tags') return [...new Set(parseTags(text).map((t) => t.toLowerCase()))].sort().join(';');
    if (key === 'sshkeys') return decodeSshKeys(text).join('\n');
    if (key === 'nameserver' || key === 'searchdomain')
      return text
        .split(/[\s,;]+/)
        .filter(Boolean)
        .join(' ');
    if (/^\d+(\.0+)?$/.test(text)) return String(Number(text));
    return text;
  }
  if (BOOL_SUBKEYS.has(sub)) return normBool(text) ?? text;
  if (sub === 'size') {
    const bytes = parseSize(text);
    return bytes === undefined ? text : formatSize(bytes);
  }
  if (sub === 'hwaddr' || sub === 'macaddr') return normMac(text);
  if (/^\d+$/.test(text)) return String(Number(text));
  return text;
}

/** Reads an attribute path from an observed PVE config and normalises it. */
export function readAttribute(config: Record<string, unknown>, path: string): string | undefined {
  const dot = path.indexOf('.');
  if (dot < 0) {
    const v = config[path];
    // PVE omits booleans that are at their default (0 for every flag Phoenix manages).
    if ((v === undefined || v === null) && BOOL_KEYS.has(path)) return '0';
    return normalizeValue(path, v === undefined ? undefined : (v as string | number));
  }
  const key = path.slice(0, dot);
  const sub = path.slice(dot + 1);
  const raw = config[key];
  const record = raw === undefined || raw === null ? {} : parseConfigValue(key, String(raw));
  if (record[sub] === undefined && BOOL_SUBKEYS.has(sub)) return '0';
  return normalizeValue(path, record[sub]);
}

/** The VM disk that holds the OS: first of scsi0/virtio0/sata0/ide0 that is not a CD-ROM. */
export function vmBootDiskKey(config: Record<string, unknown>): string | undefined {
  for (const key of ['scsi0', 'virtio0', 'sata0', 'ide0']) {
    const raw = config[key];
    if (typeof raw !== 'string') continue;
    const record = parseConfigValue(key, raw);
    if (record.media === 'cdrom' || (record.file ?? '').includes('cloudinit')) continue;
    return key;
  }
  return undefined;
}
