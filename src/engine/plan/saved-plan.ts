/**
 * Apply of a saved plan: re-observe with the plan's own options, refuse it when anything it
 * was based on changed (stale), otherwise return it with fresh observations for the executor.
 * The saved plan's changes are what gets carried out, never a newly computed plan.
 */
import { makePlan, type PlanInput, type PlanResult } from './planner.ts';
import { assertPlanFresh } from './stale.ts';
import { ApplyError } from '../../errors.ts';
import type { Plan } from './types.ts';

export async function prepareSavedPlan(saved: Plan, input: Omit<PlanInput, 'prune' | 'targets'>): Promise<PlanResult> {
  if (!saved.applyable) {
    throw new ApplyError('the saved plan has errors and cannot be applied', {
      code: 'E_PLAN_NOT_APPLYABLE',
      detail: saved.diagnostics
        .filter((d) => d.severity === 'error')
        .map((d) => d.message)
        .join('\n  '),
      hint: 'fix the errors and make a new plan',
    });
  }
  const fresh = await makePlan({ ...input, prune: saved.options.prune, targets: saved.options.targets });
  assertPlanFresh(saved, fresh.plan);
  assertActionsAllowed(saved, fresh);
  return { ...fresh, plan: saved };
}

/**
 * Every action of the saved plan must be the one Phoenix plans now from the same observations
 * and options: a delete only where --prune found an orphan it owns, a replace only of what it
 * owns. Catches an edit the integrity check cannot (a file signed with a leaked key, a bug).
 */
function assertActionsAllowed(saved: Plan, fresh: PlanResult): void {
  const now = new Map(fresh.plan.changes.map((c) => [c.address, c]));
  const declared = new Set(fresh.resources.keys());
  const refused: string[] = [];
  for (const change of saved.changes) {
    const found = fresh.observations.get(change.address);
    const destructive = change.action === 'delete' || change.action === 'replace';
    if (destructive && found?.owned === false)
      refused.push(`${change.address}: ${change.action} of an object without Phoenix's ownership marker`);
    else if (change.action === 'delete' && declared.has(change.address))
      refused.push(`${change.address}: delete of a resource the configuration declares`);
    else if (change.action === 'delete' && !saved.options.prune)
      refused.push(`${change.address}: delete without --prune`);
    else if (change.action !== now.get(change.address)?.action)
      refused.push(
        `${change.address}: ${change.action}, but Phoenix plans ${now.get(change.address)?.action ?? 'nothing'}`,
      );
  }
  if (refused.length === 0) return;
  throw new ApplyError(`the saved plan asks for ${refused.length} action(s) Phoenix would not take`, {
    code: 'E_PLAN_ACTION',
    detail: refused.join('\n  '),
    hint: 'make a new plan with `phoenix plan -out FILE` (add --prune to delete what left the config)',
  });
}
