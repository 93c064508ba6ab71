/** Shared attribute diff for the host handlers: flat, stable, JSON-comparable attributes. */
import type { DiffResponse } from '../../engine/handler.ts';
import type { AttributeChange } from '../../engine/plan/types.ts';

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Changes between `observed` and `desired`, over the desired keys (undefined desired = unmanaged). */
export function attributeChanges(
  desired: Record<string, unknown>,
  observedObject: object,
  prefix = '',
): AttributeChange[] {
  const observed = observedObject as Record<string, unknown>;
  const out: AttributeChange[] = [];
  for (const [key, after] of Object.entries(desired)) {
    if (after === undefined) continue;
    const before = observed[key];
    if (!same(before, after)) out.push({ path: `${prefix}${key}`, before, after });
  }
  return out;
}

/** The usual verdict: create when absent, update with the listed changes, noop otherwise. */
export function verdict(exists: boolean, changes: AttributeChange[], extra: Partial<DiffResponse> = {}): DiffResponse {
  if (!exists)
    return {
      action: 'create',
      changes: [],
      requiresReplace: [],
      requiresRestart: false,
      reasons: ['not found: will be created'],
      ...extra,
    };
  if (changes.length === 0)
    return { action: 'noop', changes: [], requiresReplace: [], requiresRestart: false, reasons: [], ...extra };
  return {
    action: 'update',
    changes,
    requiresReplace: [],
    requiresRestart: false,
    reasons: changes.map((c) => `${c.path} changed`),
    ...extra,
  };
}
