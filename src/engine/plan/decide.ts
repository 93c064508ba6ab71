/**
 * Per-resource decisions of the planner: turn a handler's diff into a plan action, and decide
 * what happens to a managed resource that left the config. Pure policy, no I/O of its own.
 */
import type { AnyResourceHandler, ObservedResource, Resource } from '../handler.ts';
import { digestOf } from './digest.ts';
import type { Action, PlanDiagnostic, ResourceChange } from './types.ts';

export interface Decision {
  change: ResourceChange;
  diagnostics: PlanDiagnostic[];
}

/**
 * How the change is carried out in the apply graph: a create whose handler starts it separately
 * gets its phases and the dependencies that gate only its start; the health policy is the resource's.
 */
export function phasing(
  handler: Pick<AnyResourceHandler, 'power'> | undefined,
  resource: Resource,
  action: Action,
  dependsOn: string[],
): Pick<ResourceChange, 'phases' | 'startAfter' | 'health'> {
  const out: Pick<ResourceChange, 'phases' | 'startAfter' | 'health'> = {};
  if (resource.health) out.health = resource.health;
  const phased =
    (action === 'create' || action === 'replace') && handler?.power !== undefined && resource.startsSeparately === true;
  if (!phased) return out;
  out.phases = ['create', 'configure', 'start', 'healthy'];
  const gates = new Set(resource.startAfter ?? []);
  out.startAfter = dependsOn.filter((d) => gates.has(d));
  return out;
}

export async function decideChange(
  handler: AnyResourceHandler,
  resource: Resource,
  found: ObservedResource | undefined,
  dependsOn: string[],
): Promise<Decision> {
  const diagnostics: PlanDiagnostic[] = [];
  const diff = await handler.diff({ resource, observed: found?.observed ?? null, observedNode: found?.node });
  for (const d of diff.diagnostics ?? []) {
    diagnostics.push({
      severity: d.severity,
      code: d.code,
      message: d.message,
      hint: d.hint,
      address: resource.address,
    });
  }
  let action: Action = diff.action;
  if (!found) action = 'create';
  else if (action === 'create')
    action = 'replace'; // exists but the handler wants a new one
  else if (action === 'update' && diff.requiresReplace.length > 0) action = 'replace';
  else if (action === 'update' && diff.requiresRestart) action = 'update-restart';
  const replacePaths = new Set(diff.requiresReplace);
  const attributes = diff.changes.map((a) => ({
    ...a,
    ...(a.sensitive ? { before: null, after: null } : {}),
    ...(replacePaths.has(a.path) ? { forcesReplacement: true } : {}),
  }));
  const sensitivePaths = diff.changes.filter((a) => a.sensitive).map((a) => a.path);
  const reasons = [...diff.reasons];
  if (action === 'create' && reasons.length === 0) reasons.push('does not exist yet');
  if (action === 'replace' && found?.owned === false) {
    // Replacing deletes first: only what carries Phoenix's marker is ever deleted.
    diagnostics.push({
      severity: 'error',
      code: 'E_NOT_OWNED',
      message: `${resource.address} would be replaced (${diff.requiresReplace.join(', ') || 'replacement required'}) but does not carry Phoenix's ownership marker`,
      address: resource.address,
      hint: 'apply once without the change that forces replacement (the apply adds the marker), or delete it yourself',
    });
  }
  if (action === 'replace' && (resource.protected || found?.protected)) {
    diagnostics.push({
      severity: 'error',
      code: 'E_PROTECTED_REPLACE',
      message: `${resource.address} is protected but the plan would replace it (${diff.requiresReplace.join(', ') || 'replacement required'})`,
      address: resource.address,
      hint: 'revert the change that forces replacement, or remove `protected` from the resource first',
    });
  }
  return {
    change: {
      address: resource.address,
      kind: resource.kind,
      action,
      before: found ? redact(diff.before ?? found.observed, sensitivePaths) : null,
      after: redact(diff.after ?? resource.desired, sensitivePaths),
      attributes,
      reasons,
      dependsOn,
      observedDigest: digestOf(found ? { node: found.node, observed: found.observed } : null),
      desiredDigest: digestOf(resource.desired),
      ...(diff.private === undefined ? {} : { private: diff.private }),
      ...phasing(handler, resource, action, dependsOn),
    },
    diagnostics,
  };
}

/** A managed resource found in the system but not in the config. */
export function orphanChange(
  found: ObservedResource,
  prune: boolean,
): { change?: ResourceChange; diagnostic?: PlanDiagnostic } {
  if (!prune) {
    return {
      diagnostic: {
        severity: 'warning',
        code: 'W_NOT_IN_CONFIG',
        message: `${found.address} is managed by Phoenix but no longer in the configuration; it is left alone`,
        address: found.address,
        hint: 'run with --prune to delete it, or add it back to the configuration',
      },
    };
  }
  if (found.owned === false) {
    return {
      diagnostic: {
        severity: 'warning',
        code: 'W_NOT_OWNED',
        message: `${found.address} is not in the configuration and does not carry Phoenix's ownership marker; it is left alone`,
        address: found.address,
      },
    };
  }
  if (found.protected) {
    return {
      diagnostic: {
        severity: 'error',
        code: 'E_PROTECTED_DELETE',
        message: `${found.address} is protected and cannot be deleted by --prune`,
        address: found.address,
        hint: 'remove its protection in the system first, or add it back to the configuration',
      },
    };
  }
  return {
    change: {
      address: found.address,
      kind: found.kind,
      action: 'delete',
      before: found.observed,
      after: null,
      attributes: [],
      reasons: ['no longer in the configuration (--prune)'],
      dependsOn: [...(found.dependsOn ?? [])].sort(),
      observedDigest: digestOf({ node: found.node, observed: found.observed }),
      desiredDigest: '',
    },
  };
}

/**
 * Replaces the values at the given dotted paths with `null` (a copy; the input is untouched), so
 * a secret marked sensitive in the diff never reaches the plan's before/after either.
 */
export function redact(value: unknown, paths: readonly string[]): unknown {
  if (paths.length === 0 || value === null || typeof value !== 'object') return value;
  const copy = structuredClone(value) as Record<string, unknown>;
  for (const path of paths) {
    const parts = path.split('.');
    let target: unknown = copy;
    for (const part of parts.slice(0, -1)) {
      target = target !== null && typeof target === 'object' ? (target as Record<string, unknown>)[part] : undefined;
    }
    const last = parts[parts.length - 1] as string;
    if (target !== null && typeof target === 'object' && last in target)
      (target as Record<string, unknown>)[last] = null;
  }
  return copy;
}
