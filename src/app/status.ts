/**
 * `phoenix status` / `phoenix up` output: one row per resource of every provider (the engine's
 * status model), from the same plan `phoenix plan` makes, with each handler's health and each
 * provider's extra columns. A resource that could not be observed is `unknown` with the
 * error — never `missing`; a declared id taken by something Phoenix does not own is a
 * `conflict` saying so — never `in sync`.
 */
import { statusRows, type HealthState, type PlanDiagnostic, type PlanResult, type StatusRow } from '../engine/index.ts';
import { NoopHook } from '../engine/hook.ts';
import type { Phoenix } from './create-phoenix.ts';
import { planEnvironment } from './operations.ts';
import { providerOf } from './providers.ts';

export type { StatusRow };

export interface EnvironmentStatus {
  rows: StatusRow[];
  /** Errors that kept resources from being observed or planned (said once each). */
  errors: PlanDiagnostic[];
  /** Objects found that Phoenix does not own (listed, never touched). */
  unmanaged: { address: string; kind: string; summary: string }[];
  /** Declared config sections no provider of this version manages. */
  notManaged: string[];
}

/** Bound of one health read in `status` (a hung guest agent must not hang the command). */
const HEALTH_TIMEOUT_MS = 15_000;

const HEALTH: Record<'healthy' | 'pending' | 'unhealthy', HealthState> = {
  healthy: 'healthy',
  pending: 'progressing',
  unhealthy: 'degraded',
};

/** `planned`: a plan already made for this environment (so callers showing more rows plan once). */
export async function environmentStatus(phoenix: Phoenix, planned?: PlanResult): Promise<EnvironmentStatus> {
  const result = planned ?? (await planEnvironment(phoenix));
  const rows = statusRows({ plan: result.plan, resources: result.resources, observations: result.observations });
  await Promise.all(
    rows.map(async (row) => {
      const resource = result.resources.get(row.address);
      const found = result.observations.get(row.address);
      row.details = providerOf(phoenix.providers, row.kind)?.statusDetails?.(resource, found) ?? {};
      if (!resource || !found || (row.sync !== 'in sync' && row.sync !== 'drifted')) return;
      const handler = phoenix.registry.get(row.kind);
      if (!handler?.health) {
        row.health = 'healthy';
        return;
      }
      try {
        const ctx = { signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS), hook: new NoopHook() };
        const h = await handler.health({ ctx, resource: { ...resource, node: found.node ?? resource.node } });
        row.health = HEALTH[h.status];
        if (h.status !== 'healthy')
          row.conditions.push({
            type: 'Healthy',
            status: 'False',
            reason: h.status === 'pending' ? 'Progressing' : 'Degraded',
            message: h.message ?? h.status,
            lastTransitionTime: new Date().toISOString(),
          });
      } catch (error) {
        row.conditions.push({
          type: 'Healthy',
          status: 'Unknown',
          reason: 'HealthCheckFailed',
          message: error instanceof Error ? error.message : String(error),
          lastTransitionTime: new Date().toISOString(),
        });
      }
    }),
  );
  const order = new Map(phoenix.providers.flatMap((p) => p.kinds).map((k, i) => [k, i]));
  rows.sort(
    (a, b) =>
      (order.get(a.kind) ?? 999) - (order.get(b.kind) ?? 999) ||
      a.kind.localeCompare(b.kind) ||
      compareAddress(a.address, b.address),
  );
  const seen = new Set<string>();
  const errors = result.plan.diagnostics.filter((d) => {
    if (d.severity !== 'error' || seen.has(d.message)) return false;
    seen.add(d.message);
    return true;
  });
  return { rows, errors, unmanaged: result.plan.unmanaged, notManaged: phoenix.unmanagedSections };
}

/** Numeric parts compare as numbers (guest.101 before guest.1001). */
function compareAddress(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/**
 * Exit status of `phoenix status`: 0 when every resource of every kind is in sync and healthy,
 * 1 when something could not be observed (the answer is not known), 2 otherwise.
 */
export function statusExitCode(status: EnvironmentStatus): number {
  if (status.rows.some((r) => r.sync === 'unknown') || status.errors.some((e) => e.code === 'E_OBSERVE')) return 1;
  return status.rows.every((r) => r.sync === 'in sync' && r.health === 'healthy') ? 0 : 2;
}

/** `phoenix status --json` (formatVersion 1): the rows, plus what Phoenix does not manage. */
export function statusDocument(status: EnvironmentStatus): Record<string, unknown> {
  return {
    formatVersion: 1,
    ok: statusExitCode(status) === 0,
    rows: status.rows,
    errors: status.errors,
    unmanaged: status.unmanaged,
    notManagedSections: status.notManaged,
  };
}
