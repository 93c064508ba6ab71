/**
 * Phases of a guest (issue 15): creation waits only for what a guest consumes, `dependsOn` gates
 * its start. Checked on the simulator's own task list: no guest starts before what it depends on
 * has started, the two VM clones of template 9000 run at the same time, and a dependency whose
 * start fails skips its dependents' starts (upstream failed) while their creation is kept.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { applyPlan, planEnvironment } from '../../src/app/operations.ts';
import { parseUpid } from '../../src/clients/proxmox/upid.ts';
import { startE2e, type E2eEnv } from './_harness.ts';

let env: E2eEnv | undefined;
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

const SPEED = 0.05;
/** examples/homelab: who starts after whom (guest → what it depends on). */
const DEPENDS: Record<number, number[]> = { 101: [103], 102: [103], 1001: [101, 102], 1002: [1001] };

interface TaskRow {
  upid: string;
  type: string;
  id: string;
  status?: string;
}

/** Every task of node pve from the simulator's task list, oldest first (pstart: 10 ms ticks). */
async function tasks(e: E2eEnv): Promise<(TaskRow & { tick: number })[]> {
  const response = await fetch(`${e.sim.url}/api2/json/nodes/pve/tasks?source=all&limit=1000`, {
    headers: { Authorization: `PVEAPIToken=${e.sim.token}` },
  });
  const rows = ((await response.json()) as { data: TaskRow[] }).data;
  return rows.map((r) => ({ ...r, tick: parseUpid(r.upid)?.pstart ?? NaN })).sort((a, b) => a.tick - b.tick);
}

describe('guest phases', () => {
  it('starts no guest before what it depends on, and clones while the dependencies are still being made', async () => {
    env = await startE2e({ speed: SPEED });
    const phoenix = await env.open();
    try {
      const planned = await planEnvironment(phoenix);
      const guest1002 = planned.plan.changes.find((c) => c.address === 'guest.1002');
      // The plan says how: create → configure → start → healthy; only the start waits for 1001.
      expect(guest1002?.phases).toEqual(['create', 'configure', 'start', 'healthy']);
      expect(guest1002?.startAfter).toEqual(['guest.1001']);
      const result = await applyPlan(phoenix, planned, { concurrency: 16, perNodeConcurrency: 16 });
      const bad = [...result.outcomes.values()].filter((o) => o.outcome === 'failed' || o.outcome === 'skipped');
      expect(bad.map((o) => `${o.address}: ${o.reason ?? String(o.error)}`)).toEqual([]);

      const list = await tasks(env);
      const startOf = (vmid: number) => {
        const found = list.filter((t) => /^(vz|qm)start$/.test(t.type) && t.id === String(vmid));
        expect(found, `one start task of ${vmid}`).toHaveLength(1);
        return found[0] as TaskRow & { tick: number };
      };
      const startTicks = 2000 * SPEED * 0.1; // a start task's realistic 2 s, in 10 ms ticks
      for (const [guest, deps] of Object.entries(DEPENDS)) {
        const mine = startOf(Number(guest));
        for (const dep of deps) {
          const theirs = startOf(dep);
          expect(list.indexOf(mine), `${guest} starts after ${dep}`).toBeGreaterThan(list.indexOf(theirs));
          // Not only listed later: started after the dependency's start task had run.
          expect(mine.tick - theirs.tick, `${guest} waits for ${dep}'s start`).toBeGreaterThanOrEqual(startTicks);
        }
      }
      // Creation is not gated by dependsOn: both full clones of 9000 overlap (PVE allows parallel
      // clones of a stopped template, spec §5.3), and 1002's clone begins before 1001 starts.
      const clones = list.filter((t) => t.type === 'qmclone' && t.id === '9000');
      expect(clones).toHaveLength(2);
      const cloneTicks = 20_000 * SPEED * 0.1;
      expect(Math.abs((clones[1]?.tick ?? 0) - (clones[0]?.tick ?? 0))).toBeLessThan(cloneTicks);
      expect(Math.max(...clones.map((c) => c.tick))).toBeLessThan(startOf(1001).tick);
    } finally {
      await phoenix.close();
    }
  });

  it('skips the start of dependents when a dependency fails to start, keeping what was created', async () => {
    env = await startE2e({
      speed: 0.01,
      faults: { seed: 1, rules: [{ route: '/nodes/*/lxc/103/status/start', taskType: 'vzstart', taskFailure: 1 }] },
    });
    const phoenix = await env.open();
    try {
      const result = await applyPlan(phoenix, await planEnvironment(phoenix), { retry: { maxAttempts: 1 } });
      expect(result.succeeded).toBe(false);
      expect(result.outcomes.get('guest.103')?.outcome).toBe('failed');
      for (const vmid of [101, 102]) {
        const o = result.outcomes.get(`guest.${vmid}`);
        expect(o?.outcome).toBe('skipped');
        expect(o?.reason).toBe('upstream failed: guest.103 (created; not started)');
      }
      for (const vmid of [1001, 1002]) expect(result.outcomes.get(`guest.${vmid}`)?.outcome).toBe('skipped');
      // Created and configured, never started: the containers and both VM clones exist, stopped.
      for (const vmid of [101, 102]) expect((await phoenix.client.lxc.status('pve', vmid)).status).toBe('stopped');
      for (const vmid of [1001, 1002]) expect((await phoenix.client.qemu.status('pve', vmid)).status).toBe('stopped');
      const starts = env.sim.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/status/start'));
      expect(starts.map((r) => r.path)).toEqual(['/api2/json/nodes/pve/lxc/103/status/start']);
    } finally {
      await phoenix.close();
    }
  });
});
