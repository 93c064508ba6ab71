/**
 * LXC clones of one source: PVE locks the source for the whole clone (spec §5.4), so parallel
 * clones fail with `CT is locked (disk)`. Phoenix serialises the clone tasks of one source and
 * runs everything else in parallel: no lock error reaches the simulator, let alone the user.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyPlan, planEnvironment } from '../../src/app/operations.ts';
import { startE2e, type E2eEnv } from './_harness.ts';

let env: E2eEnv | undefined;
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

describe('clones of one LXC template container', () => {
  it('are cloned one at a time without a single lock error', async () => {
    env = await startE2e({ speed: 0.05 });
    const clones = [0, 1, 2, 3]
      .map(
        (i) =>
          `  - { id: ${210 + i}, name: clone-${i}, type: lxc, clone: { from: ct-base, full: false }, net: [{ name: eth0, bridge: vmbr1, ip: 10.10.0.${210 + i}/24 }] }`,
      )
      .join('\n');
    writeFileSync(
      join(env.configDir, 'guests', 'clones.yaml'),
      `guests:\n  - { id: 200, name: ct-base, type: lxc, template: debian-12, isTemplate: true, net: [{ name: eth0, bridge: vmbr1, ip: 10.10.0.200/24 }] }\n${clones}\n`,
    );
    const phoenix = await env.open();
    try {
      const result = await applyPlan(phoenix, await planEnvironment(phoenix), {
        concurrency: 16,
        perNodeConcurrency: 16,
      });
      const bad = [...result.outcomes.values()].filter((o) => o.outcome === 'failed' || o.outcome === 'skipped');
      expect(bad.map((o) => `${o.address}: ${String((o.error as Error | undefined)?.message ?? o.reason)}`)).toEqual(
        [],
      );
      const lockAnswers = env.sim.requests.filter(
        (r) => r.status >= 500 && /is locked|got timeout/.test(r.error ?? ''),
      );
      expect(lockAnswers).toEqual([]);
      const cloneCalls = env.sim.requests.filter((r) => r.method === 'POST' && /\/lxc\/200\/clone$/.test(r.path));
      expect(cloneCalls).toHaveLength(4);
      for (let i = 0; i < 4; i++) expect((await phoenix.client.lxc.status('pve', 210 + i)).status).toBe('running');
    } finally {
      await phoenix.close();
    }
  });
});
