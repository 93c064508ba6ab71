/**
 * The handler contract, per kind, against the HTTP simulator: after create, observe returns the
 * object and diff says noop; delete then observe says absent. Kinds Phoenix never deletes say why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApplyContext, HandlerContext, Resource } from '../../engine/handler.ts';
import { NoopHook } from '../../engine/hook.ts';
import type { ResourceChange } from '../../engine/plan/types.ts';
import { deriveHostResources } from './derive.ts';
import { hostReferences } from './refs.ts';
import { startHostFixture, parseConfig, type HostFixture } from './_fixture.ts';

let fx: HostFixture;
beforeAll(async () => {
  fx = await startHostFixture();
});
afterAll(async () => {
  await fx?.close();
});

const ctx: HandlerContext = { signal: new AbortController().signal, hook: new NoopHook() };
const actx: ApplyContext = { ...ctx, journal: { note: () => undefined }, attempt: 1 };
const change = { attributes: [] } as unknown as ResourceChange;

/** Kinds whose delete Phoenix never performs, with the reason (see readme.md). */
const NO_DELETE: Record<string, string> = {
  'pve.storage': 'storage definitions are never removed (volumes would be orphaned)',
  'pve.role': 'roles are never removed (ACLs using them would be revoked silently)',
};

const resources = deriveHostResources(parseConfig());
const byAddress = new Map(resources.map((r) => [r.address, r]));
// Dependencies first, so references (aliases, IP sets, groups, users) exist when needed.
function ordered(): Resource[] {
  const done = new Set<string>();
  const out: Resource[] = [];
  const visit = (r: Resource): void => {
    if (done.has(r.address)) return;
    done.add(r.address);
    for (const dep of hostReferences(r).map((ref) => ref.address)) {
      const d = byAddress.get(dep);
      if (d) visit(d);
    }
    out.push(r);
  };
  for (const r of resources) visit(r);
  return out;
}

describe('pve-host handler contract', () => {
  it('create → observe equals desired (diff noop) for every kind', async () => {
    for (const r of ordered()) {
      const handler = fx.registry.get(r.kind);
      expect(handler, r.kind).toBeDefined();
      if (!handler) continue;
      const before = await handler.observe({ ctx, resource: r });
      const first = await handler.diff({ resource: r, observed: before.observed });
      if (first.action === 'create') await handler.create({ ctx: actx, resource: r, change });
      else if (first.action === 'update')
        await handler.update({ ctx: actx, resource: r, observed: before.observed, change, restart: false });
      const after = await handler.observe({ ctx, resource: r });
      expect(after.observed, r.address).not.toBeNull();
      const second = await handler.diff({ resource: r, observed: after.observed });
      expect([r.address, second.action, second.changes]).toEqual([r.address, 'noop', []]);
    }
  });

  it('delete → observe returns absent (reverse order); never-deleted kinds state why', async () => {
    for (const r of ordered().reverse()) {
      const handler = fx.registry.get(r.kind);
      if (!handler) continue;
      if (NO_DELETE[r.kind]) {
        expect(NO_DELETE[r.kind]).toMatch(/never removed/);
        continue;
      }
      const observed = (await handler.observe({ ctx, resource: r })).observed;
      await handler.delete({ ctx: actx, address: r.address, observed, change });
      const gone = (await handler.observe({ ctx, resource: r })).observed as Record<string, unknown> | null;
      if (r.kind === 'pve.firewall') {
        // A firewall scope always exists: deleting it removes Phoenix's rules only.
        expect(gone?.rules, r.address).toEqual([]);
      } else {
        expect(gone, r.address).toBeNull();
      }
    }
  });
});
