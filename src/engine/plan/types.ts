/**
 * The plan model: pure data, no I/O, no formatting. A plan says, per resource, what apply
 * will do and why. It is serialised to a plan file (`plan-file.ts`) and rendered by
 * `src/cli/views/` — nothing here may depend on how it is shown.
 *
 * Invariants:
 * - `changes` holds one entry per resource the plan considered (noop included), in
 *   dependency order (creates/updates) with deletes listed after everything else.
 * - `attributes` lists only the attributes that differ; a `sensitive` attribute carries
 *   `before`/`after` as `null` so that secrets never reach a plan file or a renderer.
 * - `observedDigest` is a digest of every observation the plan was based on; apply of a saved
 *   plan re-observes and refuses the plan when it no longer matches (stale plan).
 */

/**
 * What apply does to one resource. `update-restart` is an in-place update that takes effect
 * only after a restart of the resource; `replace` deletes then creates; `read` only observes
 * (data the plan needs but never changes). A union, not an enum (STYLE.md 23).
 */
export type Action = 'noop' | 'create' | 'update' | 'update-restart' | 'replace' | 'delete' | 'read';

/** True for the actions that change the managed system. */
export function isMutating(action: Action): boolean {
  return action !== 'noop' && action !== 'read';
}

/** One attribute that differs between what is observed and what is desired. */
export interface AttributeChange {
  /** Dotted path inside the resource, e.g. `memory`, `net0.bridge`, `mountpoints.mp0.size`. */
  path: string;
  /** Observed value (`undefined`: the attribute is absent). `null` when `sensitive`. */
  before: unknown;
  /** Desired value (`undefined`: the attribute will be removed). `null` when `sensitive`. */
  after: unknown;
  /** The value is a secret: renderers print `(sensitive)` and never the value. */
  sensitive?: boolean;
  /** Changing this attribute forces a replacement of the resource. */
  forcesReplacement?: boolean;
  /** Changing this attribute takes effect only after a restart. */
  requiresRestart?: boolean;
}

/** The planned change of one resource. */
export interface ResourceChange {
  /** Stable address, e.g. `guest.101`; unique within a plan. */
  address: string;
  /** Resource kind, the key of the handler that owns it, e.g. `proxmox.lxc`. */
  kind: string;
  action: Action;
  /** Observed state (`null`: does not exist). Sensitive attributes already redacted. */
  before: unknown;
  /** Desired state (`null`: will not exist). Sensitive attributes already redacted. */
  after: unknown;
  /** Only the attributes that differ. Empty for `noop`, `create` and `delete`. */
  attributes: AttributeChange[];
  /** Why this action: human sentences such as `memory changed`, `not found: will be created`. */
  reasons: string[];
  /** Addresses this resource depends on (explicit and implicit), for apply ordering. */
  dependsOn: string[];
  /** Digest of this resource's observation; compared again when a saved plan is applied. */
  observedDigest: string;
  /** Digest of the desired state the plan was made from (`''` for deletes). */
  desiredDigest: string;
  /** Opaque data the handler's diff returned for its own apply step; the engine never reads it. */
  private?: unknown;
  /**
   * A create carried out as separate DAG nodes (`create` → `configure` → `start` → `healthy`):
   * the first two run as soon as what the resource consumes exists; `start` waits for the start
   * (and health, where needed) of `startAfter`. Absent: one step, as before.
   */
  phases?: LifecyclePhase[];
  /** Dependencies that gate only the start and what needs the resource running, not its creation. */
  startAfter?: string[];
  /**
   * When the executor waits for `health` after the step: `wait` (default) always; `when-needed`
   * only when something in the apply waits for this resource (otherwise status reports it).
   */
  health?: HealthGate;
}

/** The phases of a resource's lifecycle the plan (`--json`) shows for a phased create. */
export type LifecyclePhase = 'create' | 'configure' | 'start' | 'healthy';

export type HealthGate = 'wait' | 'when-needed';

/**
 * A resource that exists but whose observed state differs from the desired one: an out-of-band
 * change or an edited config (without history the engine cannot tell which; `status` can).
 */
export interface DriftEntry {
  address: string;
  kind: string;
  /** The attribute paths that drifted. */
  paths: string[];
}

/** Something found in the system that Phoenix does not manage (never touched unless imported). */
export interface UnmanagedEntry {
  address: string;
  kind: string;
  /** One line for people, e.g. `lxc 150 "test" on pve1`. */
  summary: string;
}

/** A finding of planning: a protected resource that would be replaced, an observe failure. */
export interface PlanDiagnostic {
  severity: 'error' | 'warning';
  code: string;
  message: string;
  address?: string;
  hint?: string;
}

export const PLAN_FORMAT_VERSION = '1.0';

/** A complete plan. Pure data: safe to serialise with JSON.stringify. */
export interface Plan {
  formatVersion: typeof PLAN_FORMAT_VERSION;
  /** ISO-8601 time the plan was made. */
  createdAt: string;
  changes: ResourceChange[];
  drift: DriftEntry[];
  unmanaged: UnmanagedEntry[];
  diagnostics: PlanDiagnostic[];
  /** Every resource was observed and diffed (false with `--target` or after an observe error). */
  complete: boolean;
  /** Apply may carry this plan out: no errors. A plan with no changes is still applyable. */
  applyable: boolean;
  /** Planning hit at least one error (see `diagnostics`). */
  errored: boolean;
  /** Digest over every resource's `observedDigest`, in address order. */
  observedDigest: string;
  /**
   * Options the plan was made with; apply of a saved plan reuses them. `destroy`: the plan deletes
   * what Phoenix owns with nothing desired (`phoenix destroy`), so a fresh destroy plan, not the
   * configuration, tells whether its work is done.
   */
  options: { prune: boolean; targets: string[]; destroy?: boolean };
}

/** Counts for the summary line: creates and replaces add, replaces and deletes destroy. */
export interface PlanSummary {
  add: number;
  change: number;
  destroy: number;
}

export function summarizePlan(plan: Pick<Plan, 'changes'>): PlanSummary {
  const summary: PlanSummary = { add: 0, change: 0, destroy: 0 };
  for (const change of plan.changes) {
    if (change.action === 'create') summary.add += 1;
    else if (change.action === 'update' || change.action === 'update-restart') summary.change += 1;
    else if (change.action === 'delete') summary.destroy += 1;
    else if (change.action === 'replace') {
      summary.add += 1;
      summary.destroy += 1;
    }
  }
  return summary;
}

/** True when applying the plan would change anything (drives `--detailed-exitcode`). */
export function planHasChanges(plan: Pick<Plan, 'changes'>): boolean {
  return plan.changes.some((change) => isMutating(change.action));
}
