/**
 * Semantic checks for a config whose schema check failed, so one run reports both kinds of
 * error. List items with schema errors are set aside, the rest is parsed again, and the
 * semantic findings are mapped back to the original item positions. Findings that could be
 * caused by a set-aside item (a reference to it, for instance) are dropped, so nothing is
 * reported that fixing the schema errors would make disappear.
 */
import type { Diagnostic } from '../errors.ts';
import { isRawMap, type RawMap } from './merge.ts';
import { PhoenixConfig } from './schema.ts';
import {
  containerPosition,
  entryPosition,
  locate,
  setContainerMeta,
  setEntryPosition,
  type PathSegment,
} from './source-map.ts';

/** Lists whose items can be set aside: [section] or [section, field]. */
const LISTS: readonly (readonly string[])[] = [
  ['guests'],
  ['templates'],
  ['storage'],
  ['certificates'],
  ['routes'],
  ['stacks'],
  ['network', 'bridges'],
  ['cluster', 'nodes'],
  ['dns', 'records'],
  ['nfs', 'exports'],
];

/** Which set-aside lists can make a finding of this code appear (wrongly). */
const DEPENDS_ON: Record<string, readonly string[]> = {
  E_UNKNOWN_TEMPLATE: ['templates'],
  E_TEMPLATE_KIND: ['templates', 'guests'],
  E_UNKNOWN_CLONE_SOURCE: ['templates', 'guests'],
  E_CLONE_NOT_TEMPLATE: ['guests'],
  E_CLONE_SNAPSHOT: ['templates', 'guests'],
  E_LINKED_CLONE: ['guests'],
  E_UNKNOWN_GUEST: ['guests'],
  E_ROLE: ['guests'],
  E_UNKNOWN_STORAGE: ['storage'],
  E_STORAGE_CONTENT: ['storage'],
  E_STORAGE_NODE: ['storage'],
  E_UNKNOWN_BRIDGE: ['network.bridges'],
  E_UNKNOWN_NODE: ['cluster.nodes'],
  E_UNKNOWN_EXPORT: ['nfs.exports'],
  E_UNKNOWN_STACK: ['stacks'],
  E_UNKNOWN_SERVICE: ['stacks'],
  E_UNKNOWN_CERTIFICATE: ['certificates'],
  E_CERT_HOST: ['certificates'],
};

export interface PartialConfig {
  config: PhoenixConfig;
  locate: (path: readonly PathSegment[]) => ReturnType<typeof locate>['location'];
  /** Drops findings a set-aside item could have caused. */
  keep: (d: Diagnostic) => boolean;
}

/** A config without the failing list items, or undefined when errors sit outside list items. */
export function partialConfig(raw: RawMap, issuePaths: PathSegment[][]): PartialConfig | undefined {
  const bad = new Map<string, Set<number>>();
  for (const path of issuePaths) {
    const list = LISTS.find((l) => l.every((seg, i) => path[i] === seg) && typeof path[l.length] === 'number');
    if (!list) return undefined;
    const key = list.join('.');
    bad.set(key, (bad.get(key) ?? new Set()).add(path[list.length] as number));
  }
  const copy = cloneMap(raw);
  for (const [key, indices] of bad) {
    const segments = key.split('.');
    const parent = segments.length === 1 ? copy : (copy[segments[0] as string] as RawMap);
    const field = segments[segments.length - 1] as string;
    const original = parent[field] as unknown[];
    const kept: unknown[] = [];
    const self = containerPosition(original);
    if (self) setContainerMeta(kept, self);
    original.forEach((item, index) => {
      if (indices.has(index)) return;
      // Positions are intrinsic (file + offset + file-local path), so moved items stay located.
      const position = entryPosition(original, index);
      if (position) setEntryPosition(kept, kept.length, position);
      kept.push(item);
    });
    parent[field] = kept;
  }
  const result = PhoenixConfig.safeParse(copy);
  if (!result.success) return undefined;
  const dropped = new Set(bad.keys());
  return {
    config: result.data,
    locate: (path) => locate(copy, path).location,
    keep: (d) => !(DEPENDS_ON[d.code] ?? []).some((list) => dropped.has(list)),
  };
}

/** Copies the mappings on the way to the lists (positions kept), so filtering leaves `raw` intact. */
function cloneMap(map: RawMap): RawMap {
  const out = Object.create(null) as RawMap;
  const self = containerPosition(map);
  if (self) setContainerMeta(out, self);
  for (const key of Object.keys(map)) {
    const value = map[key];
    out[key] = isRawMap(value) && ['network', 'cluster', 'dns', 'nfs'].includes(key) ? cloneMap(value) : value;
    const position = entryPosition(map, key);
    if (position) setEntryPosition(out, key, position);
  }
  return out;
}
