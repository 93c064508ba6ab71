/**
 * A provider defined only inside this test — a toy kind, lamps in an in-memory "system" — is
 * picked up by plan, apply, status, graph, destroy and import through the registry, with no
 * edit anywhere else (issue 10): one provider object, passed where the registry list goes.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createPhoenix, type Phoenix } from '../../src/app/create-phoenix.ts';
import { planDestroy } from '../../src/app/destroy.ts';
import { environmentGraph } from '../../src/app/graph.ts';
import { importResource } from '../../src/app/import.ts';
import { applyPlan, planEnvironment } from '../../src/app/operations.ts';
import { configFragments, PROVIDERS } from '../../src/app/providers.ts';
import { environmentStatus } from '../../src/app/status.ts';
import { configJsonSchema } from '../../src/config/json-schema.ts';
import { renderConfigReference } from '../../src/config/reference-doc.ts';
import type { ResourceHandler } from '../../src/engine/handler.ts';
import type { Provider, ProviderRuntime } from '../../src/providers/provider.ts';

// ---- the toy provider: everything it needs is in this block ----
interface Lamp {
  name: string;
  color: string;
  guest?: number;
}
interface LampObserved {
  name: string;
  color: string;
  owner?: string;
}
const LAMP = 'toy.lamp';
const OWNER = 'phoenix';
/** The toy system: lamps by name; Phoenix's carry `owner: phoenix`. */
const world = new Map<string, LampObserved>();
const lampAddress = (name: string) => `lamp.${name}`;

function lampHandler(rt: ProviderRuntime): ResourceHandler<Lamp, LampObserved> {
  const adopted = (address: string) => rt.isAdopted(address, {});
  return {
    kind: LAMP,
    async observe({ resource }) {
      return { observed: world.get(resource.desired.name) ?? null };
    },
    async observeAll({ resources }) {
      const declared = new Set(resources.map((r) => r.desired.name));
      const found = [...world.values()]
        .filter((l) => l.owner === OWNER || declared.has(l.name))
        .map((l) => ({ address: lampAddress(l.name), kind: LAMP, observed: { ...l } }));
      const unmanaged = [...world.values()]
        .filter((l) => l.owner !== OWNER && !declared.has(l.name))
        .map((l) => ({ address: lampAddress(l.name), kind: LAMP, summary: `lamp ${l.name} (${l.color})` }));
      return { found, unmanaged };
    },
    diff({ resource, observed }) {
      const base = { changes: [], requiresReplace: [], requiresRestart: false, reasons: [] as string[] };
      if (!observed) return { ...base, action: 'create' };
      if (observed.owner !== OWNER && !adopted(resource.address))
        return {
          ...base,
          action: 'noop',
          diagnostics: [
            {
              severity: 'error',
              code: 'E_LAMP_TAKEN',
              message: `lamp ${observed.name} exists but is not managed by Phoenix`,
            },
          ],
        };
      const changes = [
        ...(observed.color !== resource.desired.color
          ? [{ path: 'color', before: observed.color, after: resource.desired.color }]
          : []),
        ...(observed.owner !== OWNER ? [{ path: 'owner', before: observed.owner ?? null, after: OWNER }] : []),
      ];
      return { ...base, action: changes.length > 0 ? 'update' : 'noop', changes };
    },
    async create({ resource }) {
      world.set(resource.desired.name, { name: resource.desired.name, color: resource.desired.color, owner: OWNER });
      return {};
    },
    async update({ resource }) {
      world.set(resource.desired.name, { name: resource.desired.name, color: resource.desired.color, owner: OWNER });
      return {};
    },
    async delete({ observed }) {
      if (observed) world.delete(observed.name);
      return {};
    },
    async health() {
      return { status: 'healthy' };
    },
    async import({ id }) {
      const lamp = world.get(id.slice('lamp:'.length));
      if (!lamp) throw new Error(`no lamp ${id}`);
      return {
        resource: {
          address: lampAddress(lamp.name),
          kind: LAMP,
          desired: { name: lamp.name, color: lamp.color },
          dependsOn: [],
        },
        observed: lamp,
      };
    },
  };
}

const toyProvider: Provider = {
  name: 'toy',
  sections: ['lamps'],
  configFragment: {
    lamps: z
      .array(z.strictObject({ name: z.string(), color: z.string(), guest: z.int().optional() }))
      .default([])
      .describe('lamps (a toy provider of the tests)'),
  },
  kinds: [LAMP],
  derive: ({ config }) => ({
    resources: ((config as unknown as { lamps: Lamp[] }).lamps ?? []).map((l) => ({
      address: lampAddress(l.name),
      kind: LAMP,
      desired: { name: l.name, color: l.color },
      dependsOn: [],
      // A lamp in a guest waits for the guest: a typed reference, like any provider's.
      references: l.guest === undefined ? [] : [{ kind: 'proxmox.guest', address: `guest.${l.guest}` }],
    })),
  }),
  handlers: (rt) => [lampHandler(rt)],
  statusDetails: (resource, found) => ({
    lamp: String((resource?.desired as Lamp | undefined)?.name ?? (found?.observed as LampObserved | undefined)?.name),
    color: (found?.observed as LampObserved | undefined)?.color ?? '-',
  }),
  importer: {
    kind: LAMP,
    accepts: (id) => id.startsWith('lamp:'),
    address: (id) => lampAddress(id.slice('lamp:'.length)),
    file: (id) => `lamps-${id.slice('lamp:'.length)}.yaml`,
    toConfig: (resource) => ({ lamps: [resource.desired] }),
  },
};
// ---- end of the toy provider ----

const providers = [...PROVIDERS, toyProvider];
let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'phoenix-toy-'));
  cpSync('examples/homelab', dir, { recursive: true, filter: (src) => !src.includes('.phoenix') });
  writeFileSync(
    join(dir, 'lamps.yaml'),
    'lamps:\n  - { name: desk, color: red, guest: 101 }\n  - { name: porch, color: white }\n',
  );
  world.set('attic', { name: 'attic', color: 'amber' }); // someone's, to be imported
  world.set('porch', { name: 'porch', color: 'blue' }); // someone's, on a declared name
  world.set('garden', { name: 'garden', color: 'green' }); // someone's, never touched
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const open = (): Promise<Phoenix> => createPhoenix({ configDir: dir, providers, simulator: { speed: 0 } });

describe('a provider defined only in a test', () => {
  it('is covered by schema, graph, plan, apply, status, import and destroy', async () => {
    expect(JSON.stringify(configJsonSchema(configFragments(providers)))).toContain('"lamps"');
    expect(renderConfigReference(configFragments(providers))).toContain('lamps (a toy provider of the tests)');
    const { graph } = await environmentGraph(dir, { providers });
    // In-guest work waits for the guest's start step (engine phases, issue 15).
    expect(graph.dependenciesOf('lamp.desk')).toEqual(['guest.101#start']);

    let phoenix = await open();
    try {
      const planned = await planEnvironment(phoenix);
      expect(planned.plan.changes.find((c) => c.address === 'lamp.desk')?.action).toBe('create');
      expect(planned.plan.unmanaged.map((u) => u.address)).toEqual(
        expect.arrayContaining(['lamp.attic', 'lamp.garden']),
      );
      // The declared porch is someone else's: a plan error, applied nowhere.
      expect(planned.plan.diagnostics.map((d) => d.code)).toContain('E_LAMP_TAKEN');
      // Apply what can be applied: the plan without the porch.
      await import('node:fs').then((fs) =>
        fs.writeFileSync(join(dir, 'lamps.yaml'), 'lamps:\n  - { name: desk, color: red, guest: 101 }\n'),
      );
    } finally {
      await phoenix.close();
    }

    phoenix = await open();
    try {
      const result = await applyPlan(phoenix, await planEnvironment(phoenix));
      expect(result.succeeded).toBe(true);
      expect(world.get('desk')).toEqual({ name: 'desk', color: 'red', owner: OWNER });
      const status = await environmentStatus(phoenix);
      expect(status.rows.find((r) => r.address === 'lamp.desk')).toMatchObject({
        kind: LAMP,
        sync: 'in sync',
        health: 'healthy',
        details: { lamp: 'desk', color: 'red' },
      });
      const imported = await importResource(phoenix, 'lamp:attic');
      expect(imported.yaml).toContain('name: attic');
    } finally {
      await phoenix.close();
    }

    phoenix = await open();
    try {
      const planned = await planEnvironment(phoenix);
      const attic = planned.plan.changes.find((c) => c.address === 'lamp.attic');
      expect(attic?.attributes.map((a) => a.path)).toEqual(['owner']); // adopted: only the marker
      expect((await applyPlan(phoenix, planned)).succeeded).toBe(true);
      expect(world.get('attic')?.owner).toBe(OWNER);

      const destroy = await planDestroy(phoenix);
      const deletes = destroy.planned.plan.changes.map((c) => c.address);
      expect(deletes).toEqual(expect.arrayContaining(['lamp.desk', 'lamp.attic']));
      expect(deletes).not.toContain('lamp.porch');
      expect(deletes).not.toContain('lamp.garden');
      expect((await applyPlan(phoenix, destroy.planned)).succeeded).toBe(true);
      expect([...world.keys()].sort()).toEqual(['garden', 'porch']);
      expect(world.get('porch')).toEqual({ name: 'porch', color: 'blue' });
    } finally {
      await phoenix.close();
    }
  });
});
