/**
 * kill -9 of an apply (a real `phoenix apply` child process) at random points, then apply
 * again: converged, nothing duplicated, and the dead apply's lease and journal are taken over.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createPhoenix } from '../../src/app/create-phoenix.ts';
import { applyPlan, planEnvironment } from '../../src/app/operations.ts';
import { openStateStore } from '../../src/state/index.ts';
import { startE2e, type E2eEnv } from './_harness.ts';

let env: E2eEnv | undefined;
let child: ChildProcess | undefined;
afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child = undefined;
  await env?.cleanup();
  env = undefined;
});

function startApply(configDir: string, token: string): ChildProcess {
  const script = `import('./src/cli/main.ts').then(async (m) => { process.exitCode = await m.main(['apply', '-c', ${JSON.stringify(configDir)}, '--auto-approve']); })`;
  return spawn(process.execPath, ['--import', 'tsx', '-e', script], {
    cwd: process.cwd(),
    env: { ...process.env, PHOENIX_E2E_TOKEN: token, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function waitFor(predicate: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the child apply to start mutating');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('kill -9 during apply', () => {
  // Kill points are random within three phases of the apply: early (template download, first
  // creates), middle (containers, VM template), late (clones, cloud-init, starts).
  it.each([
    ['early', 1, 5],
    ['middle', 6, 15],
    ['late', 16, 35],
  ])('converges without duplicates after a kill in the %s phase', async (_phase, low, high) => {
    const killAfter = low + Math.floor(Math.random() * (high - low + 1));
    env = await startE2e({ speed: 0.03 });
    appendFileSync(
      `${env.configDir}/phoenix.yaml`,
      `\nproxmox:\n  endpoint: ${env.sim.url}\n  tokenId: "${env.sim.tokenId}"\n  tokenSecret: env:PHOENIX_E2E_TOKEN\n`,
    );
    const proc = startApply(env.configDir, env.tokenSecret);
    child = proc;
    let output = '';
    proc.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const e = env;
    // The first mutating request of an apply takes the lease on the target (firewall alias
    // phoenix-lease); the kill points count the apply's own work after it.
    await waitFor(() => e.mutating().length >= killAfter + 1 || proc.exitCode !== null, 60_000);
    proc.kill('SIGKILL');
    await new Promise((r) => proc.once('exit', r));
    expect(proc.signalCode, `killed after ${killAfter} mutating requests\n${output}`).toBe('SIGKILL');

    // The dead run is still marked running in the journal with a step in flight (or none yet).
    const phoenix = await createPhoenix({
      configDir: env.configDir,
      env: { PHOENIX_E2E_TOKEN: env.tokenSecret },
      taskTimeoutMs: 60_000,
    });
    try {
      const planned = await planEnvironment(phoenix);
      expect(planned.plan.errored, JSON.stringify(planned.plan.diagnostics)).toBe(false);
      const result = await applyPlan(phoenix, planned);
      const bad = [...result.outcomes.values()].filter((o) => o.outcome === 'failed' || o.outcome === 'skipped');
      expect(bad.map((o) => `${o.address}: ${String((o.error as Error | undefined)?.message ?? o.reason)}`)).toEqual(
        [],
      );
      const vmids = (await phoenix.client.cluster.resources('vm')).map((r) => Number(r.vmid)).sort((a, b) => a - b);
      expect(vmids).toEqual([101, 102, 103, 1001, 1002, 9000]);
      expect((await planEnvironment(phoenix)).plan.changes.filter((c) => c.action !== 'noop')).toEqual([]);
    } finally {
      await phoenix.close();
    }
    const store = openStateStore(`${env.configDir}/.phoenix/state.db`);
    try {
      const runs = store.runs.list(`${env.sim.url}`, 10);
      expect(runs.map((r) => r.outcome).sort()).toEqual(['interrupted', 'succeeded']);
      expect(store.integrityCheck()).toBe('ok');
    } finally {
      store.close();
    }
  });
});
