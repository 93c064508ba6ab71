/**
 * Stale-plan detection: apply of a saved plan re-plans and compares, per resource, the
 * observation digest (what is in the system) and the desired digest (what the config says).
 * Any difference refuses the plan with a list of what changed (issue 4: "refuses it if what
 * it read has changed since").
 */
import { ApplyError } from '../../errors.ts';
import type { Plan } from './types.ts';

export interface StaleEntry {
  address: string;
  why:
    | 'changed in the system'
    | 'configuration changed'
    | 'appeared'
    | 'deleted outside Phoenix since the plan was made'
    | 'created outside Phoenix since the plan was made'
    | 'no longer in the configuration';
}

export function findStaleEntries(saved: Plan, fresh: Plan): StaleEntry[] {
  const now = new Map(fresh.changes.map((c) => [c.address, c]));
  const out: StaleEntry[] = [];
  for (const change of saved.changes) {
    const current = now.get(change.address);
    if (!current) {
      // Gone from a fresh plan: a planned deletion found nothing left to delete; anything else
      // was declared and no longer is.
      out.push({
        address: change.address,
        why:
          change.action === 'delete'
            ? 'deleted outside Phoenix since the plan was made'
            : 'no longer in the configuration',
      });
    } else if (current.observedDigest !== change.observedDigest) {
      const why =
        change.before !== null && current.before === null
          ? 'deleted outside Phoenix since the plan was made'
          : change.before === null && current.before !== null
            ? 'created outside Phoenix since the plan was made'
            : 'changed in the system';
      out.push({ address: change.address, why });
    } else if (current.desiredDigest !== change.desiredDigest)
      out.push({ address: change.address, why: 'configuration changed' });
    now.delete(change.address);
  }
  for (const current of now.values()) {
    if (current.action !== 'noop') out.push({ address: current.address, why: 'appeared' });
  }
  return out.sort((a, b) => a.address.localeCompare(b.address));
}

/** Throws `E_STALE_PLAN` listing what changed since `saved` was made. */
export function assertPlanFresh(saved: Plan, fresh: Plan): void {
  const stale = findStaleEntries(saved, fresh);
  if (stale.length === 0) return;
  throw new ApplyError(`the saved plan is stale: ${stale.length} resource(s) changed since it was made`, {
    code: 'E_STALE_PLAN',
    detail: stale.map((s) => `${s.address}: ${s.why}`).join('\n  '),
    hint: 'run `phoenix plan -out FILE` again and review the new plan',
  });
}
