/**
 * Restarts that never pull the plug, and PVE's protection flag (issue 8), against the HTTP
 * simulator:
 * - an out-of-band change that is only pending is reverted by a config write that leaves
 *   nothing pending: the running VM is not touched (no stop, no shutdown task);
 * - a change that does need a restart shuts the guest down cleanly (`qmshutdown`), never a
 *   hard `qmstop`; a guest that ignores the shutdown gets the declared fallback;
 * - `protected: true` sets `protection` on the guest; its removal is drift that apply repairs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyPlan, planEnvironment } from '../../src/app/operations.ts';
import { startE2e, type E2eEnv } from './_harness.ts';

let env: E2eEnv | undefined;
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

type Applied = Awaited<ReturnType<typeof applyPlan>>;
function failures(result: Applied): string[] {
  return [...result.outcomes.values()]
    .filter((o) => o.outcome === 'failed' || o.outcome === 'skipped')
    .map((o) => `${o.address}: ${o.outcome} ${(o.error as Error | undefined)?.message ?? o.reason ?? ''}`);
}

/** Task types the simulator ran for a guest since `since` (its own task list, newest first). */
async function tasksOf(e: E2eEnv, vmid: number, since: number): Promise<string[]> {
  const rows = (await e.sim.api('GET', '/nodes/pve/tasks', { vmid, source: 'all', limit: 500 })).body?.data as {
    type: string;
    starttime: number;
  }[];
  return rows.filter((r) => r.starttime >= since).map((r) => r.type);
}

/** The power calls sent for a guest since request `mark`, in order. */
function powerCalls(e: E2eEnv, vmid: number, mark: number): string[] {
  const pattern = new RegExp(`/qemu/${vmid}/status/(\\w+)$`);
  return e
    .mutating(mark)
    .map((r) => pattern.exec(r.path)?.[1])
    .filter((x): x is string => x !== undefined);
}

async function vmState(e: E2eEnv, vmid: number) {
  const status = (await e.sim.api('GET', `/nodes/pve/qemu/${vmid}/status/current`)).body?.data as {
    status: string;
    pid?: number;
  };
  const pending = (await e.sim.api('GET', `/nodes/pve/qemu/${vmid}/pending`)).body?.data as {
    key: string;
    pending?: unknown;
    delete?: number;
  }[];
  return {
    status: status.status,
    pid: status.pid,
    pending: pending.filter((p) => p.pending !== undefined || p.delete),
  };
}

function editConfig(e: E2eEnv, file: string, from: string, to: string): void {
  const path = join(e.configDir, file);
  const text = readFileSync(path, 'utf8');
  if (!text.includes(from)) throw new Error(`${file} has no ${from}`);
  writeFileSync(path, text.replace(from, to));
}

describe('restarts', () => {
  it('an out-of-band change that is only pending never stops the running VM for nothing', async () => {
    env = await startE2e();
    const phoenix = await env.open();
    try {
      expect(failures(await applyPlan(phoenix, await planEnvironment(phoenix)))).toEqual([]);
      // By hand, on the running worker: memory is not hot-pluggable, so it only becomes pending.
      const put = await env.sim.api('PUT', '/nodes/pve/qemu/1002/config', { memory: 16384 });
      expect(put.status).toBe(200);
      const before = await vmState(env, 1002);
      expect(before.status).toBe('running');
      expect(before.pending.map((p) => p.key)).toEqual(['memory']);
      const since = Math.floor(Date.now() / 1000) - 1;
      const planned = await planEnvironment(phoenix);
      expect(planned.plan.changes.filter((c) => c.action !== 'noop').map((c) => [c.address, c.action])).toEqual([
        ['guest.1002', 'update-restart'],
      ]);
      const result = await applyPlan(phoenix, planned);
      expect(failures(result)).toEqual([]);
      expect(result.succeeded).toBe(true);
      const after = await vmState(env, 1002);
      expect(after).toEqual({ status: 'running', pid: before.pid, pending: [] });
      const tasks = await tasksOf(env, 1002, since);
      expect(tasks).not.toContain('qmstop');
      expect(tasks).not.toContain('qmshutdown');
    } finally {
      await phoenix.close();
    }
  });

  it('a change that needs a restart shuts the VM down cleanly (qmshutdown), never qmstop', async () => {
    env = await startE2e();
    let phoenix = await env.open();
    try {
      expect(failures(await applyPlan(phoenix, await planEnvironment(phoenix)))).toEqual([]);
    } finally {
      await phoenix.close();
    }
    editConfig(env, 'guests/swarm.yaml', 'memory: 8192', 'memory: 12288');
    phoenix = await env.open();
    try {
      const since = Math.floor(Date.now() / 1000) - 1;
      const result = await applyPlan(phoenix, await planEnvironment(phoenix));
      expect(failures(result)).toEqual([]);
      const tasks = await tasksOf(env, 1002, since);
      expect(tasks).toContain('qmshutdown');
      expect(tasks).not.toContain('qmstop');
      const after = await vmState(env, 1002);
      expect(after.status).toBe('running');
      expect(after.pending).toEqual([]);
      expect(Number((await phoenix.client.qemu.config('pve', 1002)).memory)).toBe(12288);
    } finally {
      await phoenix.close();
    }
  });

  it('a VM that ignores the shutdown: fallback stop (declared) after the timeout; fallback fail names the guest', async () => {
    env = await startE2e();
    editConfig(
      env,
      'guests/swarm.yaml',
      'memory: 8192',
      'memory: 8192\n    restart: { shutdownTimeout: 5, fallback: stop }',
    );
    let phoenix = await env.open();
    try {
      expect(failures(await applyPlan(phoenix, await planEnvironment(phoenix)))).toEqual([]);
    } finally {
      await phoenix.close();
    }
    env.sim.control.apply('ignore-shutdown', { vmid: 1002 });
    editConfig(env, 'guests/swarm.yaml', 'memory: 8192', 'memory: 12288');
    phoenix = await env.open();
    try {
      const mark = env.sim.requests.length;
      const since = Math.floor(Date.now() / 1000) - 1;
      const result = await applyPlan(phoenix, await planEnvironment(phoenix));
      expect(failures(result)).toEqual([]);
      // The clean attempt, then the declared fallback, then the start.
      expect(powerCalls(env, 1002, mark)).toEqual(['shutdown', 'stop', 'start']);
      expect(await tasksOf(env, 1002, since)).toEqual(expect.arrayContaining(['qmshutdown', 'qmstop']));
    } finally {
      await phoenix.close();
    }
    editConfig(env, 'guests/swarm.yaml', 'fallback: stop', 'fallback: fail');
    editConfig(env, 'guests/swarm.yaml', 'memory: 12288', 'memory: 16384');
    phoenix = await env.open();
    try {
      const mark = env.sim.requests.length;
      const result = await applyPlan(phoenix, await planEnvironment(phoenix), {
        retry: { maxAttempts: 1 },
      });
      const outcome = result.outcomes.get('guest.1002');
      expect(outcome?.outcome).toBe('failed');
      expect(String((outcome?.error as Error).message)).toMatch(/did not shut down within 5 s/);
      expect(powerCalls(env, 1002, mark)).toEqual(['shutdown']);
      expect((await vmState(env, 1002)).status).toBe('running');
    } finally {
      await phoenix.close();
    }
  });
});

describe('protection', () => {
  it('protected: true sets PVE protection; its removal is drift that apply repairs; PVE then refuses a delete', async () => {
    env = await startE2e();
    const phoenix = await env.open();
    try {
      expect(failures(await applyPlan(phoenix, await planEnvironment(phoenix)))).toEqual([]);
      // step-ca (103) is declared protected in examples/homelab; the others are not.
      expect((await phoenix.client.lxc.config('pve', 103)).protection).toBe(1);
      expect((await phoenix.client.lxc.config('pve', 101)).protection).toBeUndefined();
      await env.sim.api('PUT', '/nodes/pve/lxc/103/config', { delete: 'protection' });
      const drifted = await planEnvironment(phoenix);
      expect(drifted.plan.drift).toEqual([{ address: 'guest.103', kind: 'proxmox.guest', paths: ['protection'] }]);
      expect(failures(await applyPlan(phoenix, drifted))).toEqual([]);
      expect((await phoenix.client.lxc.config('pve', 103)).protection).toBe(1);
      const refused = await env.sim.api('DELETE', '/nodes/pve/lxc/103');
      expect(refused.status).toBe(500);
      expect(refused.statusText).toMatch(/protection mode enabled/);
    } finally {
      await phoenix.close();
    }
  });
});
