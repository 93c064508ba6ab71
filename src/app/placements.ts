/**
 * Placement decisions of `node: auto` guests, kept in the state file as `guest.placed` events
 * (config/placement.ts decides; this remembers): read before the config is loaded so earlier
 * decisions hold, written when a guest is placed for the first time. `--rebalance` reads none
 * (placement from scratch, shown as migrations) and records its decisions only after an apply.
 */
import { existsSync } from 'node:fs';
import type { LoadedConfig } from '../config/index.ts';
import type { Resource } from '../engine/handler.ts';
import { GUEST_KIND } from '../providers/proxmox/derive.ts';
import { guestAddress, type GuestSpec } from '../providers/proxmox/spec.ts';
import { openStateStore } from '../state/index.ts';

export const PLACED_EVENT = 'guest.placed';

/** vmid → node of every recorded decision (the newest wins). */
export function readPlacements(statePath: string): Map<number, string> {
  const placements = new Map<number, string>();
  if (!existsSync(statePath)) return placements;
  const store = openStateStore(statePath);
  try {
    // Newest first: keep the first seen per guest.
    for (const e of store.events.list({ limit: 100_000 })) {
      if (e.type !== PLACED_EVENT || !e.address) continue;
      const vmid = Number(e.address.replace(/^guest\./, ''));
      const node = (e.data as { node?: unknown } | undefined)?.node;
      if (Number.isInteger(vmid) && typeof node === 'string' && !placements.has(vmid)) placements.set(vmid, node);
    }
  } finally {
    store.close();
  }
  return placements;
}

/** Records the decisions made now (`how: placed`); `all` records every auto decision (after a rebalance). */
export function recordPlacements(statePath: string, loaded: LoadedConfig, options: { all?: boolean } = {}): number {
  const fresh = [...(loaded.placement?.decisions ?? [])].filter(([, d]) =>
    options.all ? d.how !== 'declared' : d.how === 'placed',
  );
  if (fresh.length === 0) return 0;
  const store = openStateStore(statePath);
  try {
    for (const [vmid, d] of fresh) {
      store.events.add({
        level: 'info',
        type: PLACED_EVENT,
        address: guestAddress(vmid),
        message: `guest ${vmid} placed on ${d.node} (node: auto, policy ${loaded.config.cluster.placement.policy})`,
        data: { node: d.node },
      });
    }
  } finally {
    store.close();
  }
  return fresh.length;
}

/** `--rebalance`: guests placed by policy are migrated to their (re)computed node when elsewhere. */
export function markRebalance(loaded: LoadedConfig, resources: readonly Resource[]): void {
  const auto = new Set(
    [...(loaded.placement?.decisions ?? [])].filter(([, d]) => d.how !== 'declared').map(([vmid]) => vmid),
  );
  for (const r of resources) {
    if (r.kind !== GUEST_KIND) continue;
    const spec = r.desired as GuestSpec;
    if (auto.has(spec.vmid)) spec.migrate = true;
  }
}
