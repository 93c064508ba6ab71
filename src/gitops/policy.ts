/**
 * What to do with a plan, from the revision's `gitops:` policy: apply it, hold it for approval,
 * or split it (apply the changes, hold the deletions when prune is `hold`). Pure: no I/O.
 */
import type { Gitops } from '../config/index.ts';
import { planHasChanges, type Plan } from '../engine/index.ts';
import type { GitopsTrigger } from '../state/index.ts';

export type Policy = Gitops;

export type Decision =
  | { kind: 'in-sync' }
  | { kind: 'apply' }
  | { kind: 'hold'; reason: 'autoSync-off' | 'self-heal-off' }
  /** Hold the deletions; apply what a plan without prune does. */
  | { kind: 'apply-and-hold-prune' };

export function hasDeletes(plan: Pick<Plan, 'changes'>): boolean {
  return plan.changes.some((c) => c.action === 'delete');
}

export function decide(plan: Pick<Plan, 'changes'>, policy: Policy, trigger: GitopsTrigger): Decision {
  if (!planHasChanges(plan)) return { kind: 'in-sync' };
  // Without a new commit, drift is only reverted when self-heal is on.
  if (trigger === 'self-heal' && !policy.selfHeal.enabled) return { kind: 'hold', reason: 'self-heal-off' };
  if (!policy.autoSync) return { kind: 'hold', reason: 'autoSync-off' };
  if (hasDeletes(plan) && policy.prune === 'hold') return { kind: 'apply-and-hold-prune' };
  return { kind: 'apply' };
}
