/**
 * The one status model (ARCHITECTURE "One status model"): one row per resource with kind,
 * address, sync, health and conditions, in the manner of Kubernetes and cert-manager. Computed
 * from a plan and its observations, so status and plan never disagree. `phoenix status --json`,
 * the human view, the REST API and the dashboard serve these rows.
 */
import type { ObservedResource, Resource } from './handler.ts';
import type { Plan, PlanDiagnostic } from './plan/types.ts';

/**
 * - `in sync` / `drifted` / `missing`: found and equal / found and different / not found.
 * - `orphaned`: Phoenix's own, no longer declared (left alone until `--prune`).
 * - `conflict`: declared, but what is there cannot be managed (e.g. a vmid used by a guest
 *   Phoenix does not own); the condition says why.
 * - `unknown`: could not be observed (unreachable, TLS, permission); never reported as missing.
 */
export type SyncState = 'in sync' | 'drifted' | 'missing' | 'orphaned' | 'conflict' | 'unknown';
export type HealthState = 'healthy' | 'progressing' | 'degraded' | 'unknown';

export interface Condition {
  /** `Observed`, `Synced`, `Managed`, `Healthy`. */
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  /** When this status was computed (ISO time); Phoenix keeps no condition history. */
  lastTransitionTime: string;
}

export interface StatusRow {
  kind: string;
  address: string;
  sync: SyncState;
  health: HealthState;
  conditions: Condition[];
  /** Attribute paths that differ from the config (drifted only). */
  drift: string[];
  /** Provider-specific columns (a guest's id, name, power state, address). */
  details: Record<string, string>;
}

export interface StatusInput {
  plan: Plan;
  /** The declared resources the plan covered. */
  resources: ReadonlyMap<string, Resource>;
  observations: ReadonlyMap<string, ObservedResource>;
  now?: () => Date;
}

function diagnosticsFor(plan: Plan, address: string, kind: string): PlanDiagnostic[] {
  return plan.diagnostics.filter(
    (d) =>
      d.severity === 'error' &&
      (d.address === address ||
        (d.address === undefined && d.code === 'E_OBSERVE' && d.message.includes(`kind ${kind}:`))),
  );
}

/** Rows from the plan, health left `unknown` for the caller to fill (it may need a read). */
export function statusRows(input: StatusInput): StatusRow[] {
  const now = (input.now?.() ?? new Date()).toISOString();
  const cond = (type: string, status: Condition['status'], reason: string, message: string): Condition => ({
    type,
    status,
    reason,
    message,
    lastTransitionTime: now,
  });
  const changes = new Map(input.plan.changes.map((c) => [c.address, c]));
  const drift = new Map(input.plan.drift.map((d) => [d.address, d.paths]));
  const rows: StatusRow[] = [];
  for (const resource of input.resources.values()) {
    const row: StatusRow = {
      kind: resource.kind,
      address: resource.address,
      sync: 'unknown',
      health: 'unknown',
      conditions: [],
      drift: [],
      details: {},
    };
    const change = changes.get(resource.address);
    const errors = diagnosticsFor(input.plan, resource.address, resource.kind);
    if (!change) {
      // Not planned: its observation failed (or nothing handles its kind).
      const why = errors.map((e) => e.message).join('; ') || 'could not be observed';
      row.conditions.push(cond('Observed', 'False', errors[0]?.code ?? 'ObserveFailed', why));
    } else if (change.before !== null && change.action === 'noop' && errors.length > 0) {
      row.sync = 'conflict';
      row.conditions.push(
        cond('Managed', 'False', errors[0]?.code ?? 'Conflict', errors.map((e) => e.message).join('; ')),
      );
    } else if (change.action === 'create' || change.before === null) {
      row.sync = 'missing';
      row.conditions.push(cond('Synced', 'False', 'Missing', change.reasons.join('; ') || 'does not exist'));
    } else if (change.action === 'noop') {
      row.sync = 'in sync';
      row.conditions.push(cond('Synced', 'True', 'InSync', 'matches the configuration'));
    } else {
      row.sync = 'drifted';
      row.drift = drift.get(resource.address) ?? change.attributes.map((a) => a.path);
      row.conditions.push(cond('Synced', 'False', 'Drifted', change.reasons.join('; ') || row.drift.join(', ')));
      for (const e of errors) row.conditions.push(cond('Planned', 'False', e.code, e.message));
    }
    rows.push(row);
  }
  for (const found of input.observations.values()) {
    if (input.resources.has(found.address)) continue;
    rows.push({
      kind: found.kind,
      address: found.address,
      sync: 'orphaned',
      health: 'unknown',
      conditions: [
        cond('Synced', 'False', 'NotInConfig', 'managed by Phoenix but no longer in the configuration (left alone)'),
      ],
      drift: [],
      details: {},
    });
  }
  return rows;
}

/** A healthy environment: every row in sync and healthy. */
export function statusOk(rows: readonly StatusRow[]): boolean {
  return rows.every((r) => r.sync === 'in sync' && r.health === 'healthy');
}
