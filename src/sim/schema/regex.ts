/**
 * The schema's `pattern`s are Perl regexes (some stringified as `(?^:...)`). PVE anchors them
 * as `^(?:pattern)$`. JavaScript has no scoped `(?^i:...)` flags on Node 20, so a pattern with
 * any case-insensitive group is compiled case-insensitive as a whole (slightly more lenient).
 */
const cache = new Map<string, RegExp>();

export function compilePerlPattern(pattern: string): RegExp {
  const hit = cache.get(pattern);
  if (hit) return hit;
  const insensitive = /\(\?\^?i[:)]/.test(pattern);
  const source = pattern
    .replace(/\(\?\^i?:/g, '(?:')
    .replace(/\(\?i\)/g, '')
    .replace(/\{,(\d+)\}/g, '{0,$1}');
  const re = new RegExp(`^(?:${source})$`, insensitive ? 'i' : '');
  cache.set(pattern, re);
  return re;
}
