/**
 * Implicit edges from other resources (guests, storage files) to the host objects they use: a
 * guest on `vmbr1` waits for `bridge.<node>.vmbr1`, a disk on `tank` for `storage.tank`. The
 * other providers' desired states are walked for `bridge` and `storage` string fields, so this
 * needs no knowledge of their shapes beyond those two names.
 */
import type { Resource } from '../../engine/handler.ts';
import { bridgeAddress } from './bridge.ts';
import { storageAddress } from './storage.ts';

function collect(value: unknown, out: { bridges: Set<string>; storages: Set<string> }, depth = 0): void {
  if (depth > 8 || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const item of value) collect(item, out, depth + 1);
    return;
  }
  for (const [key, v] of Object.entries(value)) {
    if (key === 'bridge' && typeof v === 'string') out.bridges.add(v);
    else if (key === 'storage' && typeof v === 'string') out.storages.add(v);
    else collect(v, out, depth + 1);
  }
}

/** `resources` with `dependsOn` extended by the host objects (in `host`) each one uses. */
export function linkToHost(resources: readonly Resource[], host: readonly Resource[]): Resource[] {
  const known = new Set(host.map((r) => r.address));
  return resources.map((r) => {
    const used = { bridges: new Set<string>(), storages: new Set<string>() };
    collect(r.desired, used);
    const edges = [
      ...[...used.bridges].map((b) => bridgeAddress(r.node ?? '', b)),
      ...[...used.storages].map(storageAddress),
    ].filter((a) => known.has(a) && !r.dependsOn.includes(a));
    return edges.length > 0 ? { ...r, dependsOn: [...r.dependsOn, ...edges] } : r;
  });
}
