/**
 * A plan with resources that could not be observed because their node is down
 * (`E_NODE_UNREACHABLE`, see the proxmox guest handler) is still worth applying for everything
 * else: this holds back every change that depends on an unknown resource (directly or through
 * other changes), says so, and lets the plan be applied. The plan stays `errored`, so plan and
 * apply still exit non-zero and name the node.
 */
import type { Plan } from '../engine/index.ts';
import { isMutating } from '../engine/index.ts';

export const UNREACHABLE_CODE = 'E_NODE_UNREACHABLE';

export function holdBackUnreachable(plan: Plan): void {
  const unknown = new Set(
    plan.diagnostics.filter((d) => d.code === UNREACHABLE_CODE && d.address).map((d) => d.address as string),
  );
  if (unknown.size === 0) return;
  const byAddress = new Map(plan.changes.map((c) => [c.address, c]));
  const blockedBy = new Map<string, string | undefined>();
  const blocker = (address: string, seen = new Set<string>()): string | undefined => {
    if (blockedBy.has(address)) return blockedBy.get(address);
    if (seen.has(address)) return undefined;
    seen.add(address);
    let found: string | undefined;
    for (const dep of byAddress.get(address)?.dependsOn ?? []) {
      found = unknown.has(dep) ? dep : blocker(dep, seen);
      if (found) break;
    }
    blockedBy.set(address, found);
    return found;
  };
  const kept = [];
  for (const change of plan.changes) {
    const cause = isMutating(change.action) ? blocker(change.address) : undefined;
    if (!cause) {
      kept.push(change);
      continue;
    }
    plan.diagnostics.push({
      severity: 'warning',
      code: 'W_HELD_BACK',
      message: `${change.address} is not applied (${change.action}): it depends on ${cause}, whose node is unreachable`,
      address: change.address,
      hint: 'it is planned again once the node is back',
    });
  }
  plan.changes = kept;
  plan.complete = false;
  // Only unreachable nodes stand in the way: the rest may be applied.
  plan.applyable = plan.diagnostics.every((d) => d.severity !== 'error' || d.code === UNREACHABLE_CODE);
}
