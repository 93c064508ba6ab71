// How plan values read in the dashboard: sizes with their unit, strings without JSON quotes.
// Plain ES module (no build step): app.js imports it, and the unit tests import it in node.

const MIB_ATTRIBUTES = new Set(['memory', 'swap', 'balloon']);
const UNITS = { K: 1 / 1024, M: 1, G: 1024, T: 1024 * 1024 };

/** MiB as the largest whole binary unit: 512 -> "512 MiB", 2048 -> "2 GiB", 1536 -> "1.5 GiB". */
export function mib(n) {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / 1024 / 1024} TiB`;
  if (n >= 1024 && n % 512 === 0) return `${n / 1024} GiB`;
  return `${n} MiB`;
}

/** A PVE size (`4G`, `512M`, `8192`: bytes without a unit) -> "4 GiB"; undefined when not one. */
function pveSize(text) {
  const m = /^(\d+(?:\.\d+)?)([KMGT])?$/i.exec(text);
  if (!m) return undefined;
  if (!m[2]) return Number(m[1]) % (1024 * 1024) === 0 ? mib(Number(m[1]) / 1024 / 1024) : `${m[1]} B`;
  const n = Number(m[1]) * UNITS[m[2].toUpperCase()];
  return Number.isInteger(n) ? mib(n) : `${m[1]} ${m[2].toUpperCase()}iB`;
}

/**
 * One value of attribute `path` of a resource of `kind`: Proxmox guests' memory/swap/balloon are
 * MiB, their `*.size` (and `disk`/`rootfs` sizes) PVE size strings; anything else as it is.
 */
export function formatAttributeValue(kind, path, value) {
  if (value === undefined || value === null) return '(unset)';
  if (typeof value === 'object') return JSON.stringify(value);
  const text = String(value);
  if (kind === 'proxmox.guest' || kind === undefined) {
    const leaf = path.split('.').at(-1);
    if (MIB_ATTRIBUTES.has(path) && /^\d+$/.test(text)) return mib(Number(text));
    if (leaf === 'size') return pveSize(text) ?? text;
  }
  return text;
}

/** `memory: 512 MiB → 1.5 GiB`, or `(sensitive)` for a secret. */
export function formatAttributeChange(kind, a) {
  if (a.sensitive) return `${a.path}: (sensitive)`;
  if (a.before === undefined || a.before === null)
    return `${a.path}: ${formatAttributeValue(kind, a.path, a.after)} (new)`;
  if (a.after === undefined || a.after === null)
    return `${a.path}: ${formatAttributeValue(kind, a.path, a.before)} (removed)`;
  return `${a.path}: ${formatAttributeValue(kind, a.path, a.before)} → ${formatAttributeValue(kind, a.path, a.after)}`;
}
