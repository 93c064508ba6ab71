/**
 * An apply killed while a QEMU clone is still running leaves a guest with `lock: clone` and no
 * ownership tag yet (PVE writes the final config only when the clone ends). The next plan must
 * recognise it from the journal as Phoenix's own (not refuse it as unmanaged), wait for the
 * clone to finish and complete the guest — with no second clone.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { applyPlan, planEnvironment } from '../../src/app/operations.ts';
import { startE2e, type E2eEnv } from './_harness.ts';

let env: E2eEnv | undefined;
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

describe('an apply killed during a QEMU clone', () => {
  it('is finished by the next apply without a second clone', async () => {
    env = await startE2e({ speed: 0.05 });
    const phoenix = await env.open();
    try {
      // The template first (a targeted apply), then the interrupted clone of 1002, done by hand
      // exactly as the provider does it: journal step started, POST clone, then nothing (killed).
      expect((await applyPlan(phoenix, await planEnvironment(phoenix, { targets: ['guest.9000'] }))).succeeded).toBe(
        true,
      );
      const store = phoenix.state();
      const run = store.runs.start({ environment: phoenix.environment });
      store.journal.plan(run.id, { stepId: 'guest.1002#1', address: 'guest.1002', action: 'create' });
      store.journal.start(run.id, 'guest.1002#1');
      const upid = await phoenix.client.qemu.clone('pve', 9000, {
        newid: 1002,
        name: 'worker',
        full: 1,
        storage: 'local-zfs',
      });
      store.journal.note(run.id, 'guest.1002#1', { upid, node: 'pve' });
      const locked = await phoenix.client.qemu.config('pve', 1002);
      expect(locked.lock).toBe('clone');

      const planned = await planEnvironment(phoenix);
      expect(planned.plan.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      expect(planned.plan.changes.find((c) => c.address === 'guest.1002')?.action).not.toBe('create');
      const mark = env.sim.requests.length;
      const result = await applyPlan(phoenix, planned);
      const bad = [...result.outcomes.values()].filter((o) => o.outcome === 'failed' || o.outcome === 'skipped');
      expect(bad.map((o) => `${o.address}: ${String((o.error as Error | undefined)?.message ?? o.reason)}`)).toEqual(
        [],
      );
      const clones = env.mutating(mark).filter((r) => /\/qemu\/9000\/clone$/.test(r.path));
      expect(clones.map((r) => r.path)).toEqual(['/api2/json/nodes/pve/qemu/9000/clone']); // 1001 only
      const worker = await phoenix.client.qemu.config('pve', 1002);
      expect(String(worker.tags)).toContain('phoenix-managed');
      expect(worker.lock).toBeUndefined();
      expect((await phoenix.client.cluster.resources('vm')).filter((r) => Number(r.vmid) === 1002)).toHaveLength(1);
    } finally {
      await phoenix.close();
    }
  });
});
