/**
 * What LXC and QEMU guests declare alike: the attribute constructor, tags, the startup string,
 * and the keys both kinds manage the same way (boot, startup order, tags, description). Kept in
 * one place so `lxc-config.ts` and `vm-config.ts` cannot drift apart on them. Pure functions.
 */
import { normalizeValue, type Attribute, type Effect } from './attributes.ts';
import { formatPropertyString, formatTags } from './property-string.ts';
import { ENV_TAG_PREFIX, MANAGED_TAG, type GuestSpec } from './spec.ts';

export function attr(path: string, raw: string | number | boolean | undefined, effect: Effect): Attribute {
  return { path, value: normalizeValue(path, raw), effect };
}

export function guestTags(spec: Pick<GuestSpec, 'tags' | 'environment'>): string {
  return formatTags([...spec.tags, MANAGED_TAG, ...(spec.environment ? [`${ENV_TAG_PREFIX}${spec.environment}`] : [])]);
}

export function startupString(startup: GuestSpec['startup']): string | undefined {
  if (!startup) return undefined;
  return formatPropertyString({ order: startup.order, up: startup.up, down: startup.down }, 'order');
}

/** The attributes every guest ends with: onboot, startup order, tags, description. */
export function commonTailAttributes(spec: GuestSpec): Attribute[] {
  const out: Attribute[] = [];
  if (spec.onboot !== undefined) out.push(attr('onboot', spec.onboot, 'in-place'));
  // Only a declared `protected: true` is managed: Phoenix sets PVE's flag (its absence is drift)
  // and never clears a flag someone set by hand, which would make the guest deletable.
  if (spec.protected) out.push(attr('protection', true, 'in-place'));
  if (spec.startup) {
    out.push(attr('startup.order', spec.startup.order, 'in-place'));
    out.push(attr('startup.up', spec.startup.up, 'in-place'), attr('startup.down', spec.startup.down, 'in-place'));
  }
  out.push(attr('tags', guestTags(spec), 'in-place'));
  if (spec.description !== undefined) out.push(attr('description', spec.description, 'in-place'));
  return out;
}

/** Sets the config keys every guest writes last: onboot, startup, description. */
export function setCommonTailParams(spec: GuestSpec, params: Record<string, string | number>): void {
  if (spec.onboot !== undefined) params.onboot = spec.onboot ? 1 : 0;
  if (spec.protected) params.protection = 1;
  const startup = startupString(spec.startup);
  if (startup !== undefined) params.startup = startup;
  if (spec.description !== undefined) params.description = spec.description;
}
