/**
 * Property strings (spec §6.1): `key=value,...` with an optional default key, parsed into a
 * map and printed back canonically — default key first (value only), then the format's
 * non-optional keys sorted, then the rest sorted — the way PVE re-serializes on write.
 * Only the few format facts the model needs (default key, required keys, aliases) live here;
 * full validation already happened in the HTTP layer against the official schema.
 */
import { SimApiError } from '../contract.ts';

export interface PropFormat {
  defaultKey?: string;
  required?: readonly string[];
  /** Keys that set `model` to the key's name and `macaddr` to the value (QEMU NICs). */
  modelAliases?: readonly string[];
}

export type PropMap = Record<string, string>;

const NIC_MODELS = [
  'e1000',
  'e1000-82540em',
  'e1000-82544gc',
  'e1000-82545em',
  'e1000e',
  'i82551',
  'i82557b',
  'i82559er',
  'ne2k_isa',
  'ne2k_pci',
  'pcnet',
  'rtl8139',
  'virtio',
  'vmxnet3',
] as const;

/** Formats from spec Appendix B. */
export const FORMATS = {
  lxcNet: { required: ['name'] },
  lxcRootfs: { defaultKey: 'volume' },
  lxcMp: { defaultKey: 'volume', required: ['mp'] },
  qemuNet: { defaultKey: 'model', modelAliases: NIC_MODELS },
  qemuDisk: { defaultKey: 'file' },
  agent: { defaultKey: 'enabled' },
  plain: {},
} as const satisfies Record<string, PropFormat>;

export function parseProps(value: string, format: PropFormat): PropMap {
  const out: PropMap = {};
  if (value === '') return out;
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    let key: string;
    let val: string;
    if (eq < 0) {
      if (!format.defaultKey) throw new SimApiError(400, 'value without key, but schema does not define a default key');
      key = format.defaultKey;
      val = part;
    } else {
      key = part.slice(0, eq);
      val = part.slice(eq + 1);
    }
    if (format.modelAliases?.includes(key)) {
      out.model = key;
      key = 'macaddr';
    }
    if (key === 'volume' && format.defaultKey === 'file') key = 'file';
    if (key in out) throw new SimApiError(400, `duplicate key in comma-separated list property: ${key}`);
    out[key] = val;
  }
  return out;
}

export function printProps(map: PropMap, format: PropFormat): string {
  const parts: string[] = [];
  const used = new Set<string>();
  if (format.modelAliases && map.model !== undefined) {
    // QEMU NICs print `<model>=<mac>` first (qemu-server print_net).
    parts.push(map.macaddr !== undefined ? `${map.model}=${map.macaddr}` : map.model);
    used.add('model').add('macaddr');
  } else if (format.defaultKey && map[format.defaultKey] !== undefined) {
    parts.push(map[format.defaultKey] as string);
    used.add(format.defaultKey);
  }
  for (const key of [...(format.required ?? [])].sort()) {
    if (used.has(key) || map[key] === undefined) continue;
    parts.push(`${key}=${map[key]}`);
    used.add(key);
  }
  for (const key of Object.keys(map).sort()) {
    if (used.has(key) || map[key] === undefined) continue;
    parts.push(`${key}=${map[key]}`);
  }
  return parts.join(',');
}

const UNITS = { K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 } as const;

/** `format_size`: the largest unit that divides exactly, bytes if not a multiple of 1 KiB. */
export function formatSize(bytes: number): string {
  for (const unit of ['T', 'G', 'M', 'K'] as const) {
    if (bytes >= UNITS[unit] && bytes % UNITS[unit] === 0) return `${bytes / UNITS[unit]}${unit}`;
  }
  return String(bytes);
}

/** `parse_size`: `^\d+(\.\d+)?([KMGT](iB)?)?$`, no unit = bytes. */
export function parseSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)([KMGT])?(?:iB)?$/.exec(text);
  if (!m) return undefined;
  const unit = m[2] as keyof typeof UNITS | undefined;
  return Math.round(Number(m[1]) * (unit ? UNITS[unit] : 1));
}

export const GiB = UNITS.G;
