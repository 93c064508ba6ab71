/**
 * Two applies at once never both run (issue 8, issue 9): real `phoenix apply` child processes
 * against one HTTP simulator.
 * - Two checkouts with different state files: exactly one applies, the other exits 1 naming
 *   the holder of the lease on the Proxmox target (firewall alias `phoenix-lease`).
 * - Two applies of one checkout (one state file): the second is refused before it plans or
 *   prints anything, and the first never fails with `database is locked`.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createProxmoxClient } from '../../src/clients/proxmox/index.ts';
import { runCli } from '../../src/config/__fixtures__/run-cli.ts';
import { targetLeaseManager } from '../../src/providers/pve-host/target-lease.ts';
import { openStateStore } from '../../src/state/index.ts';
import { startE2e, type E2eEnv } from './_harness.ts';

let env: E2eEnv | undefined;
const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  await env?.cleanup();
  env = undefined;
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `phoenix apply --auto-approve` as its own process; resolves when it exits (bounded). */
function apply(configDir: string, token: string): Promise<Run> {
  const script = `import('./src/cli/main.ts').then(async (m) => { process.exitCode = await m.main(['apply', '-c', ${JSON.stringify(configDir)}, '--auto-approve']); })`;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], {
    cwd: process.cwd(),
    env: { ...process.env, PHOENIX_E2E_TOKEN: token, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function checkout(e: E2eEnv): string {
  const dir = mkdtempSync(join(tmpdir(), 'phoenix-checkout-'));
  dirs.push(dir);
  cpSync(e.configDir, dir, { recursive: true, filter: (src) => !src.includes('.phoenix') });
  return dir;
}

function pointAt(e: E2eEnv, dir: string): void {
  // Two checkouts of one repository share its identity (git gives it; these copies have no .git).
  appendFileSync(
    join(dir, 'phoenix.yaml'),
    `\nenvironment: lease-e2e\nproxmox:\n  endpoint: ${e.sim.url}\n  tokenId: "${e.sim.tokenId}"\n  tokenSecret: env:PHOENIX_E2E_TOKEN\n`,
  );
}

/** Waits (bounded) until an apply holds the lease on the target: its firewall alias exists. */
async function targetLeaseTaken(e: E2eEnv, deadlineMs = 60_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    const aliases = (await e.sim.api('GET', '/cluster/firewall/aliases')).body?.data as { name: string }[];
    if (aliases.some((x) => x.name === 'phoenix-lease')) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('the first apply never took the target lease');
}

describe('concurrent applies', () => {
  it('two checkouts with their own state files: exactly one applies, the other exits 1 naming the holder', async () => {
    env = await startE2e({ speed: 0.03 });
    const a = checkout(env);
    const b = checkout(env);
    pointAt(env, a);
    pointAt(env, b);
    // The second starts while the first holds the target lease (started side by side, a loaded
    // machine could let one finish before the other began: no overlap, nothing to exclude).
    const first = apply(a, env.tokenSecret);
    await targetLeaseTaken(env);
    const [ra, rb] = await Promise.all([first, apply(b, env.tokenSecret)]);
    const runs = [ra, rb];
    const winners = runs.filter((r) => r.code === 0);
    const losers = runs.filter((r) => r.code !== 0);
    expect(winners.length, runs.map((r) => r.stderr).join('\n----\n')).toBe(1);
    expect(losers).toHaveLength(1);
    const loser = losers[0] as Run;
    expect(loser.code).toBe(1);
    expect(loser.stderr, `loser stdout:\n${loser.stdout}`).toMatch(
      /the Proxmox target .* is locked by phoenix@\S+ \(environment /,
    );
    expect(loser.stderr).toMatch(/expires \d{4}-\d\d-\d\dT/);
    expect(loser.stderr).not.toMatch(/Apply (complete|failed)!/);
    expect((winners[0] as Run).stderr).toMatch(/Apply complete!/);
    // The loser changed nothing: every guest exists exactly once, the lease alias is gone.
    const vmids = env.sim.requests.filter((r) => r.method === 'POST' && /\/clone$|\/(lxc|qemu)$/.test(r.path));
    expect(vmids.length).toBeGreaterThan(0);
    const aliases = (await env.sim.api('GET', '/cluster/firewall/aliases')).body?.data as { name: string }[];
    expect(aliases.map((x) => x.name)).not.toContain('phoenix-lease');
    const store = openStateStore(join(ra.code === 0 ? b : a, '.phoenix', 'state.db'));
    try {
      // The loser never started a run (it was refused before touching anything).
      expect(store.runs.list(env.sim.url, 5)).toEqual([]);
    } finally {
      store.close();
    }
  });

  it('one checkout twice: the second is refused before planning; the first never sees `database is locked`', async () => {
    env = await startE2e({ speed: 0.03 });
    pointAt(env, env.configDir);
    const [r1, r2] = await Promise.all([apply(env.configDir, env.tokenSecret), apply(env.configDir, env.tokenSecret)]);
    const runs = [r1, r2];
    const winner = runs.find((r) => r.code === 0);
    const loser = runs.find((r) => r.code !== 0);
    expect(winner, runs.map((r) => r.stderr).join('\n----\n')).toBeDefined();
    expect(loser?.code).toBe(1);
    expect(loser?.stderr).toMatch(/is locked by phoenix@/);
    // Refused before planning: no plan on stdout, no progress on stderr.
    expect(loser?.stdout).toBe('');
    expect(loser?.stderr).not.toMatch(/creating|Plan:/);
    for (const r of runs) expect(r.stderr).not.toMatch(/database is locked|SQLITE_BUSY/);
    expect(winner?.stderr).toMatch(/Apply complete!/);
  });
});

describe('phoenix lease', () => {
  it('shows the target lease with its holder, renewal and expiry; free once released', async () => {
    env = await startE2e();
    pointAt(env, env.configDir);
    process.env['PHOENIX_E2E_TOKEN'] = env.tokenSecret;
    const client = createProxmoxClient({
      endpoint: env.sim.url,
      tokenId: env.sim.tokenId,
      tokenSecret: env.tokenSecret,
    });
    try {
      const held = await targetLeaseManager({
        client,
        endpoint: env.sim.url,
        environment: 'other-checkout',
        holder: 'phoenix@ci:42/abcd',
        hostname: 'ci',
        pid: 42,
      }).acquire();
      const shown = await runCli(['lease', '-c', env.configDir]);
      expect(shown.code, shown.stderr).toBe(0);
      expect(shown.stdout).toMatch(/local lease \(state file\): free/);
      expect(shown.stdout).toMatch(
        /target lease \(firewall alias phoenix-lease\): held by phoenix@ci:42\/abcd \(environment other-checkout, pid 42 on ci\), since \S+, renewed \S+, expires \S+/,
      );
      // And an apply from this checkout is refused before it plans, naming that holder.
      const refused = await runCli(['apply', '-c', env.configDir, '--auto-approve']);
      expect(refused.code).toBe(1);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toMatch(/is locked by phoenix@ci:42\/abcd \(environment other-checkout/);
      await held.release();
      const json = JSON.parse((await runCli(['lease', '-c', env.configDir, '--json'])).stdout) as Record<
        string,
        unknown
      >;
      expect(json).toEqual({});
    } finally {
      delete process.env['PHOENIX_E2E_TOKEN'];
      await client.close();
    }
  });
});
