/**
 * `phoenix destroy`: deletes every guest of the config that exists and is managed, dependents
 * before what they depend on (linked clones before their template). Protected guests are
 * refused. Storage files (templates, images) are left in place.
 */
import { digestOf, type PlanResult, type ResourceChange } from '../engine/index.ts';
import { CliError } from '../errors.ts';
import type { Phoenix } from './create-phoenix.ts';
import { planEnvironment, resolveTarget } from './operations.ts';

export interface DestroyPlan {
  planned: PlanResult;
  /** Guests that are protected: never deleted. */
  refused: string[];
}

export async function planDestroy(phoenix: Phoenix, targets: string[] = []): Promise<DestroyPlan> {
  const planned = await planEnvironment(phoenix);
  const wanted =
    targets.length > 0
      ? new Map(targets.map((t) => [resolveTarget(phoenix, t, { undeclaredGuests: true }), t]))
      : undefined;
  const refused: string[] = [];
  const changes: ResourceChange[] = [];
  const declared = new Set(phoenix.derived.guests.map((g) => g.address));
  // A targeted managed guest that left the config is destroyed too (planning found it: managed).
  const undeclared = [...(wanted?.keys() ?? [])]
    .filter((address) => !declared.has(address))
    .map((address) => {
      const found = planned.observations.get(address);
      if (!found) {
        throw new CliError(`unknown resource '${wanted?.get(address)}'`, {
          code: 'E_UNKNOWN_TARGET',
          hint: `${address} is neither declared nor a guest Phoenix manages; see \`phoenix status\``,
        });
      }
      return { address, kind: found.kind, protected: false, dependsOn: [] as string[] };
    });
  for (const g of [...phoenix.derived.guests, ...undeclared]) {
    const found = planned.observations.get(g.address);
    if (!found || (wanted && !wanted.has(g.address))) continue;
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
      reasons: [declared.has(g.address) ? 'phoenix destroy' : 'phoenix destroy (no longer in the configuration)'],
      dependsOn: g.dependsOn.filter((d) => planned.observations.has(d)),
      observedDigest: digestOf({ node: found.node, observed: found.observed }),
      desiredDigest: '',
    });
  }
  const plan = { ...planned.plan, changes, drift: [], options: { prune: true, targets: targets } };
  return { planned: { ...planned, plan }, refused };
}
