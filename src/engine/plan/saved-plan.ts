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
  return { ...fresh, plan: saved };
}
