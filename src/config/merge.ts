/**
 * Combines the files of a config directory into one raw value, then lays guest defaults under
 * each guest. Rules: mappings merge key by key, lists concatenate (so guests, stacks, routes...
 * can live in any file), and a scalar set twice is an error naming both places. Positions travel
 * with the values (see source-map.ts), so errors still point at the file a value came from.
 */
import type { Diagnostic } from '../errors.ts';
import { formatLocation } from '../errors.ts';
import {
  containerPosition,
  entryPosition,
  setContainerMeta,
  setEntryPosition,
  type PathSegment,
} from './source-map.ts';

export type RawMap = Record<string, unknown>;

export function isRawMap(value: unknown): value is RawMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Merges `source` into `target` (both mappings from YAML); conflicts become diagnostics. */
export function mergeInto(target: RawMap, source: RawMap, path: PathSegment[], diagnostics: Diagnostic[]): void {
  for (const key of Object.keys(source)) {
    const incoming = source[key];
    const sourceEntry = entryPosition(source, key);
    if (!(key in target)) {
      target[key] = incoming;
      if (sourceEntry) setEntryPosition(target, key, sourceEntry);
      continue;
    }
    const existing = target[key];
    if (Array.isArray(existing) && Array.isArray(incoming)) {
      const offset = existing.length;
      incoming.forEach((item, index) => {
        existing.push(item);
        const itemEntry = entryPosition(incoming, index);
        if (itemEntry) setEntryPosition(existing, offset + index, itemEntry);
      });
      continue;
    }
    if (isRawMap(existing) && isRawMap(incoming)) {
      mergeInto(existing, incoming, [...path, key], diagnostics);
      continue;
    }
    const first = entryPosition(target, key);
    diagnostics.push({
      severity: 'error',
      code: 'E_DUPLICATE_SETTING',
      message: `"${[...path, key].join('.')}" is set twice${first ? ` (first at ${formatLocation((first.key ?? first.value).toLocation())})` : ''}`,
      hint: 'keep the value in one file only; lists are concatenated across files, single values are not',
      location: (sourceEntry?.key ?? sourceEntry?.value)?.toLocation(),
    });
  }
}

/**
 * A new guest mapping: `defaults` underneath, `guest` on top. Nested mappings merge deeply;
 * lists and scalars of the guest replace the default's. Inherited entries keep the defaults'
 * positions, so an invalid inherited value is reported where it is written.
 */
export function withDefaults(guest: RawMap, defaults: RawMap): RawMap {
  const out: RawMap = Object.create(null) as RawMap;
  const self = containerPosition(guest) ?? containerPosition(defaults);
  if (self) setContainerMeta(out, self);
  for (const key of Object.keys(defaults)) {
    out[key] = defaults[key];
    const entry = entryPosition(defaults, key);
    if (entry) setEntryPosition(out, key, entry);
  }
  for (const key of Object.keys(guest)) {
    const mine = guest[key];
    const inherited = out[key];
    out[key] = isRawMap(mine) && isRawMap(inherited) ? withDefaults(mine, inherited) : mine;
    const entry = entryPosition(guest, key);
    if (entry) setEntryPosition(out, key, entry);
  }
  return out;
}
