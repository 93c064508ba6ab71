/**
 * The plan for programs (`--json`) and the dashboard. Versioned independently of the plan file:
 * `formatVersion` changes when a field changes meaning; new fields may appear at any time.
 * Noop changes are included so consumers see everything that was considered.
 */
import type { Plan } from '../../engine/plan/types.ts';
import { planHasChanges, summarizePlan } from '../../engine/plan/types.ts';

export const JSON_PLAN_FORMAT_VERSION = '1.0';

export function renderPlanJson(plan: Plan): string {
  const document = {
    formatVersion: JSON_PLAN_FORMAT_VERSION,
    createdAt: plan.createdAt,
    complete: plan.complete,
    applyable: plan.applyable,
    errored: plan.errored,
    hasChanges: planHasChanges(plan),
    summary: summarizePlan(plan),
    options: plan.options,
    observedDigest: plan.observedDigest,
    changes: plan.changes.map((c) => ({
      address: c.address,
      kind: c.kind,
      action: c.action,
      reasons: c.reasons,
      dependsOn: c.dependsOn,
      attributes: c.attributes.map((a) =>
        a.sensitive ? { path: a.path, sensitive: true } : { ...a, before: a.before ?? null, after: a.after ?? null },
      ),
      before: c.before,
      after: c.after,
      // A guest's create → configure → start → healthy, and what only its start waits for (issue 15).
      ...(c.phases ? { phases: c.phases, startAfter: c.startAfter ?? [] } : {}),
      ...(c.health ? { health: c.health } : {}),
    })),
    drift: plan.drift,
    unmanaged: plan.unmanaged,
    diagnostics: plan.diagnostics,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
