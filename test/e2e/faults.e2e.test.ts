/**
 * With 5 % injected faults (HTTP 500, 596, lock timeouts, failed tasks) apply still converges:
 * every declared guest exists exactly once, nothing orphaned, and a fault-free plan afterwards
 * has no changes. Several seeds, so different requests fail.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { applyPlan, planEnvironment } from '../../src/app/operations.ts';
import { startE2e, type E2eEnv } from './_harness.ts';

let env: E2eEnv | undefined;
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

const FAULTS = (seed: number) => ({
  seed,
  // Every API route of the simulator: guests, templates and the host objects (bridges, storage,
  // firewall, users, tokens) alike.
  rules: [{ error500: 0.015, status596: 0.015, lockTimeout: 0.01, taskFailure: 0.01 }],
});

describe('apply under injected faults', () => {
  it.each([11, 22, 33, 44, 55])('converges with no duplicate or orphaned guest (seed %i)', async (seed) => {
    env = await startE2e({ faults: FAULTS(seed), seed });
    const phoenix = await env.open();
    try {
      let failedRounds = 0;
      let result;
      // One apply is expected to converge; a second is allowed only if the plan itself failed to observe.
      for (let round = 0; round < 2; round++) {
        const planned = await planEnvironment(phoenix);
        if (planned.plan.errored) {
          failedRounds++;
          continue;
        }
        result = await applyPlan(phoenix, planned);
        break;
      }
      expect(failedRounds).toBeLessThan(2);
      const failed = [...(result?.outcomes.values() ?? [])].filter(
        (o) => o.outcome === 'failed' || o.outcome === 'skipped',
      );
      expect(
        failed.map((o) => `${o.address} ${o.outcome} ${String((o.error as Error | undefined)?.message ?? o.reason)}`),
      ).toEqual([]);

      env.sim.control.setFaults({ rules: [] });
      const rows = await phoenix.client.cluster.resources('vm');
      const vmids = rows.map((r) => Number(r.vmid)).sort((a, b) => a - b);
      expect(vmids).toEqual([101, 102, 103, 1001, 1002, 9000]);
      const after = await planEnvironment(phoenix);
      expect(after.plan.changes.filter((c) => c.action !== 'noop').map((c) => [c.address, c.reasons])).toEqual([]);
      const injected = env.sim.requests.filter((r) => r.status >= 500).length;
      expect(injected).toBeGreaterThan(0);
    } finally {
      await phoenix.close();
    }
  });
});
