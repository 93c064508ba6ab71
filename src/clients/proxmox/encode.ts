/** Wire encoding of parameters (spec §1): form/query strings, booleans as 0/1, arrays as repeated keys. */
import type { Params } from './types.ts';

export function encodeParams(params: Params | undefined): string {
  if (!params) return '';
  const out = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null) continue;
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) out.append(key, typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
  }
  // URLSearchParams writes spaces as '+', which PVE decodes too; '%20' keeps values such as the
  // already-encoded sshkeys unambiguous.
  return out.toString().replace(/\+/g, '%20');
}

/**
 * Builds an API path, percent-encoding each interpolated value (UPIDs contain ':' and '!').
 * Usage: apiPath`/nodes/${node}/tasks/${upid}/status`.
 */
export function apiPath(strings: TemplateStringsArray, ...values: (string | number)[]): string {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += encodeURIComponent(String(v)) + (strings[i + 1] ?? '');
  });
  return out;
}

/**
 * PVE's `sshkeys` parameter must already be encoded like `encodeURIComponent` (spec §6.3), and
 * is then form-encoded again on the wire. encodeURIComponent leaves `!'()*` alone, all allowed.
 */
export function encodeSshKeys(keys: readonly string[] | string): string {
  const text = typeof keys === 'string' ? keys : keys.join('\n');
  return encodeURIComponent(text);
}
