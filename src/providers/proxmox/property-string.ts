/**
 * PVE property strings (`key=value,key=value`, spec §6.1) and the scalar value forms PVE
 * canonicalises on write (sizes, booleans, MACs). The provider compares parsed values, never
 * raw text: PVE re-serialises what it is given (keys reordered, `8` → `8G`, MACs upper-case),
 * so a textual comparison would report drift on every plan.
 */

/** Parses `a=1,b=2` (and a leading bare value for `defaultKey`) into a record. */
export function parsePropertyString(value: string, defaultKey?: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (value.trim() === '') return out;
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) {
      // A bare value belongs to the default key (e.g. `local-lvm:8` for rootfs, `virtio` for a NIC).
      if (defaultKey !== undefined) out[defaultKey] = part.trim();
      else out[part.trim()] = '';
      continue;
    }
    out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

/**
 * Prints a record as a property string: the default key first as a bare value, then the other
 * keys sorted, which is PVE's canonical order for the keys Phoenix writes.
 */
export function formatPropertyString(
  record: Record<string, string | number | boolean | undefined>,
  defaultKey?: string,
): string {
  const parts: string[] = [];
  if (defaultKey !== undefined && record[defaultKey] !== undefined) parts.push(scalar(record[defaultKey]));
  for (const key of Object.keys(record).sort()) {
    const v = record[key];
    if (key === defaultKey || v === undefined) continue;
    parts.push(`${key}=${scalar(v)}`);
  }
  return parts.join(',');
}

function scalar(v: string | number | boolean | undefined): string {
  if (typeof v === 'boolean') return v ? '1' : '0';
  return String(v);
}

const SIZE_UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** `8G`, `512M`, `4096`, `1.5G`, `8GiB` → bytes; undefined when not a size. */
export function parseSize(value: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?$/i.exec(value.trim());
  if (!m) return undefined;
  const unit = SIZE_UNITS[(m[2] ?? '').toUpperCase()] ?? 1;
  return Math.round(Number(m[1]) * unit);
}

/** PVE's `format_size`: the largest unit that divides the byte count exactly. */
export function formatSize(bytes: number): string {
  for (const unit of ['T', 'G', 'M', 'K'] as const) {
    const factor = SIZE_UNITS[unit] ?? 1;
    if (bytes >= factor && bytes % factor === 0) return `${bytes / factor}${unit}`;
  }
  return String(bytes);
}

/** Booleans the way PVE accepts them inside property strings, as `0`/`1`. */
export function normBool(value: string | number | boolean | undefined): '0' | '1' | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'boolean') return value ? '1' : '0';
  const s = String(value).trim().toLowerCase();
  if (['1', 'on', 'yes', 'true'].includes(s)) return '1';
  if (['0', 'off', 'no', 'false'].includes(s)) return '0';
  return undefined;
}

export function normMac(value: string): string {
  return value.trim().toUpperCase();
}

/**
 * Splits a PVE tag list (`a;b`, also accepted with `,` or spaces) into sorted unique tags.
 * PVE keeps tags case-sensitive but the GUI and `pve-tag-list` treat order as meaningless.
 */
export function parseTags(value: string | undefined): string[] {
  if (!value) return [];
  return [...new Set(value.split(/[;,\s]+/).filter((t) => t !== ''))].sort();
}

export function formatTags(tags: readonly string[]): string {
  return [...new Set(tags)].sort().join(';');
}

/**
 * The `sshkeys` quirk (spec §6.3): the parameter must already be percent-encoded exactly like
 * `encodeURIComponent`, and PVE stores and returns it in that encoded form. The form encoder
 * then encodes it a second time on the wire (`%` → `%25`); that is the client's job.
 */
export function encodeSshKeys(keys: readonly string[]): string {
  // encodeURIComponent is what the PVE GUI itself uses; its output matches the server's pattern.
  return encodeURIComponent(keys.map((k) => k.trim()).join('\n'));
}

/** The keys of a stored (encoded) `sshkeys` value, one per line, blank lines dropped. */
export function decodeSshKeys(value: string | undefined): string[] {
  if (!value) return [];
  let decoded: string;
  try {
    decoded = decodeURIComponent(value);
  } catch {
    decoded = value;
  }
  return decoded
    .split('\n')
    .map((k) => k.trim())
    .filter((k) => k !== '');
}
