/**
 * `phoenix destroy`: deletes every guest of the config that exists and is managed, dependents
 * before what they depend on (linked clones before their template). Protected guests are
 * refused, and so is a declared guest without the ownership tag (imported but not yet applied:
 * Phoenix deletes only what carries its marker). Storage files (templates, images) are left in place.
 */
import { digestOf, type PlanResult, type ResourceChange } from '../engine/index.ts';
import type { Phoenix } from './create-phoenix.ts';
import { planEnvironment, resolveTarget } from './operations.ts';

export interface DestroyPlan {
  planned: PlanResult;
  /** Guests that are protected: never deleted. */
  refused: string[];
  /** Declared guests that exist without Phoenix's ownership marker (e.g. imported, not applied yet): never deleted. */
  notOwned: string[];
}

export async function planDestroy(phoenix: Phoenix, targets: string[] = []): Promise<DestroyPlan> {
  const planned = await planEnvironment(phoenix);
  const wanted = targets.length > 0 ? new Set(targets.map((t) => resolveTarget(phoenix, t))) : undefined;
  const refused: string[] = [];
  const notOwned: string[] = [];
  const changes: ResourceChange[] = [];
  for (const g of phoenix.derived.guests) {
    const found = planned.observations.get(g.address);
    if (!found || (wanted && !wanted.has(g.address))) continue;
    if (found.owned === false) {
      notOwned.push(g.address);
      continue;
    }
    if (g.protected || found.protected) {
      refused.push(g.address);
      continue;
    }
    changes.push({
      address: g.address,
      kind: g.kind,
      action: 'delete',
      before: found.observed,
      after: null,
      attributes: [],
      reasons: ['phoenix destroy'],
      dependsOn: g.dependsOn.filter((d) => planned.observations.has(d)),
      observedDigest: digestOf({ node: found.node, observed: found.observed }),
      desiredDigest: '',
    });
  }
  const plan = { ...planned.plan, changes, drift: [], options: { prune: true, targets: targets } };
  return { planned: { ...planned, plan }, refused, notOwned };
}
