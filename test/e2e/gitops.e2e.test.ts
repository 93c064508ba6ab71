/**
 * `phoenix serve` end to end: the daemon as a real child process, polling a bare repository
 * served by `git daemon` on loopback and applying to the simulator over HTTP.
 */
import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { createPhoenix } from '../../src/app/create-phoenix.ts';
import { applyPlan, planEnvironment } from '../../src/app/operations.ts';
import { openStateStore } from '../../src/state/index.ts';
import { HOOK_SECRET, startDaemonE2e, type DaemonE2e } from './_daemon.ts';

let t: DaemonE2e | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
});

interface Run {
  id: string;
  revision: string | null;
  outcome: string;
  trigger: string;
  errors: { message: string; file?: string; line?: number }[];
}

/** The CLI (`phoenix ...`) as a child process: exit code and output. */
async function phoenixCli(args: string[], extraEnv: Record<string, string>): Promise<{ code: number; stderr: string }> {
  const code = `import(${JSON.stringify(join(process.cwd(), 'src/cli/main.ts'))}).then(async (m) => { process.exitCode = await m.main(process.argv.slice(1)); })`;
  return promisify(execFile)(process.execPath, ['--import', 'tsx', '-e', code, ...args], {
    env: { ...process.env, ...extraEnv, NO_COLOR: '1' },
    timeout: 30_000,
  }).then(
    (r) => ({ code: 0, stderr: r.stderr }),
    (e: { code?: number; stderr?: string }) => ({ code: e.code ?? -1, stderr: e.stderr ?? '' }),
  );
}

const setMemory = (name: string, mib: number) => (yaml: string) =>
  yaml.replace(new RegExp(`(name: ${name}\\n(?:\\s+\\w+: .*\\n)*?\\s+memory: )\\d+`), `$1${mib}`);

/** Waits until the daemon applies a resource in the run of `revision`. */
async function applyingFor(d: DaemonE2e, revision: string): Promise<void> {
  await d.waitFor(
    `an apply of ${revision.slice(0, 12)}`,
    () => {
      const start = d.events.findIndex((e) => e.type === 'run.started' && e.data.revision === revision);
      return start >= 0 && d.events.slice(start).some((e) => e.type === 'resource.applying') ? true : undefined;
    },
    20_000,
  );
}

async function runFor(d: DaemonE2e, revision: string): Promise<Run | undefined> {
  const { runs } = await d.api<{ runs: Run[] }>('/api/v1/history?limit=50');
  return runs.find((r) => r.revision === revision && r.outcome !== 'running');
}

describe('phoenix serve (e2e)', () => {
  it('polls, refuses an invalid commit, self-heals, holds a prune, and starts on a signed webhook', async () => {
    const d = (t = await startDaemonE2e(
      'gitops:\n  pollInterval: 2\n  selfHeal: { interval: 3 }\n  webhookSecret: env:PHOENIX_HOOK\n',
    ));
    const { env } = d;
    await d.startDaemon();
    await d.waitFor('the first apply', async () => (await env.memoryOf(202)) === 512 || undefined, 30_000);

    // Auth on the real process: no token -> 401; `phoenix sync` with a read token -> 403, no run.
    expect((await fetch(`${d.url}/api/v1/status`)).status).toBe(401);
    const readToken = openStateStore(env.statePath);
    const read = readToken.gitops.tokens.create('read', 'e2e-read').token;
    readToken.close();
    // (Polls keep starting runs meanwhile: only an `api` run would come from the sync.)
    const apiRuns = () => d.events.filter((e) => e.type === 'run.started' && e.data.trigger === 'api');
    const denied = await phoenixCli(['sync', '--url', d.url], { PHOENIX_TOKEN: read });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('the daemon answered 403');
    expect(denied.stderr).toContain('operate scope');
    await new Promise((r) => setTimeout(r, 300));
    expect(apiRuns()).toEqual([]);
    // The daemon's young generation stays at its initial size (runtime-tuning.ts).
    const metrics = await (await fetch(`${d.url}/metrics`, { headers: { authorization: `Bearer ${read}` } })).text();
    const young = Number(/nodejs_heap_space_size_bytes\{space="new_space"\} (\d+)/.exec(metrics)?.[1]);
    expect(young).toBeGreaterThan(0);
    expect(young).toBeLessThanOrEqual(4 * 1024 * 1024);

    // A commit changing a guest's memory is applied within one poll period.
    const committedAt = Date.now();
    const rev = await env.commitConfig(setMemory('app1', 768), 'app1: 768 MiB');
    const started = await d.waitFor(
      'the run of the new revision',
      () => d.events.find((e) => e.type === 'run.started' && e.data.revision === rev),
      10_000,
    );
    expect(started.at - committedAt).toBeLessThanOrEqual(2_000 + 1_000);
    await d.waitFor('memory 768', async () => (await env.memoryOf(201)) === 768 || undefined, 15_000);
    // The run ends after the step (releasing its target lease): count from its end.
    await d.waitFor('the run of the new revision finished', () => runFor(d, rev), 10_000);

    // An invalid commit: recorded with its located error, nothing applied; the next good one applies.
    const since = env.sim.requests.length;
    const bad = await env.commitConfig((y) => y.replace('memory: 512', 'memory: plenty'), 'broken');
    const invalid = await d.waitFor('the invalid run', () => runFor(d, bad), 10_000);
    expect(invalid.outcome).toBe('invalid');
    expect(invalid.errors[0]).toMatchObject({ file: 'phoenix.yaml', line: expect.any(Number) as number });
    expect(env.mutating(since)).toEqual([]);
    const status = await d.api<{ revision: string }>('/api/v1/status');
    expect(status.revision).toBe(rev);
    const fixed = await env.commitConfig((y) => y.replace('memory: plenty', 'memory: 640'), 'fixed');
    await d.waitFor(
      'the fixed revision applied',
      async () => (await runFor(d, fixed))?.outcome === 'succeeded' || undefined,
      15_000,
    );
    expect(await env.memoryOf(202)).toBe(640);

    // Out-of-band drift is reverted by self-heal within its interval.
    await env.sim.api('PUT', '/nodes/pve/lxc/201/config', { memory: 2048 });
    await d.waitFor('drift reverted', async () => (await env.memoryOf(201)) === 768 || undefined, 3_000 + 10_000);

    // prune: hold (the default) — a guest removed from git is held, not deleted.
    const removed = await env.commitConfig((y) => y.replace(/ {2}- id: 202[\s\S]*?(?=\nproxmox:)/, ''), 'drop app2');
    const held = await d.waitFor(
      'the prune hold',
      async () => {
        const plan = await d.api<{
          holds: { id: string; reason: string; revision: string; changes: { address: string; action: string }[] }[];
        }>('/api/v1/plan');
        return plan.holds.find((h) => h.revision === removed);
      },
      15_000,
    );
    expect(held.reason).toBe('prune');
    expect(held.changes).toEqual([expect.objectContaining({ address: 'guest.202', action: 'delete' })]);
    expect((await env.sim.api('GET', '/nodes/pve/lxc/202/status/current')).status).toBe(200);
    // Deleted nothing (each apply releases its target lease: the DELETE of the `phoenix-lease` alias).
    expect(
      env
        .mutating(since)
        .filter((m) => m.method === 'DELETE' && !m.path.endsWith('/cluster/firewall/aliases/phoenix-lease')),
    ).toEqual([]);

    // Long intervals from now on: only the webhook can start the next run.
    const quiet = await env.commitConfig((y) =>
      y.replace('pollInterval: 2', 'pollInterval: 3600').replace('interval: 3', 'interval: 3600'),
    );
    await d.waitFor('the quiet policy', async () => (await runFor(d, quiet)) !== undefined || undefined, 15_000);
    // The new policy re-armed the timers: only the webhook can start the next run now.
    const hooked = await env.commitConfig(setMemory('app1', 896), 'app1: 896 MiB');
    const payload = JSON.stringify({ ref: 'refs/heads/main', after: hooked });
    const bad401 = await fetch(`${d.url}/hooks/git`, {
      method: 'POST',
      body: payload,
      headers: { 'x-github-event': 'push', 'x-hub-signature-256': 'sha256=' + '0'.repeat(64) },
    });
    expect(bad401.status).toBe(401);
    await new Promise((r) => setTimeout(r, 500));
    expect(d.events.some((e) => e.type === 'run.started' && e.data.revision === hooked)).toBe(false);
    const signature = createHmac('sha256', HOOK_SECRET).update(payload).digest('hex');
    const posted = Date.now();
    const res = await fetch(`${d.url}/hooks/git`, {
      method: 'POST',
      body: payload,
      headers: {
        'x-github-event': 'push',
        'x-hub-signature-256': `sha256=${signature}`,
        'content-type': 'application/json',
      },
    });
    expect(res.status).toBe(202);
    const applying = await d.waitFor(
      'the webhook apply to start',
      () => d.events.find((e) => e.type === 'resource.applying' && e.at >= posted && e.data.address === 'guest.201'),
      5_000,
    );
    expect(applying.at - posted).toBeLessThan(2_000);
    await d.waitFor('memory 896', async () => (await env.memoryOf(201)) === 896 || undefined, 10_000);
  });

  it('kill -9 mid-apply, restart: resumes from the journal and converges without a duplicate', async () => {
    const d = (t = await startDaemonE2e('gitops:\n  pollInterval: 1\n'));
    const { env } = d;
    await d.startDaemon();
    await d.waitFor('the first apply', async () => (await env.memoryOf(202)) === 512 || undefined, 30_000);
    // Slow mutating requests down so the kill lands inside the apply.
    env.sim.control.setFaults({
      rules: [
        { method: 'POST', route: '/nodes/**', latencyMs: 300 },
        { method: 'PUT', route: '/nodes/**', latencyMs: 300 },
      ],
    });
    const since = env.sim.requests.length;
    const added = await env.commitConfig(
      (y) =>
        y.replace(
          '\nproxmox:',
          '  - id: 203\n    name: app3\n    type: lxc\n    template: debian-12\n    memory: 256\n    disk: { storage: local-zfs, size: 4 }\n    net: [{ name: eth0, bridge: vmbr0, ip: 10.20.0.23/24 }]\n\nproxmox:',
        ),
      'add app3',
    );
    await applyingFor(d, added);
    const store = openStateStore(env.statePath);
    try {
      await d.waitFor(
        'a journaled step in flight',
        () => {
          const run = store.runs.list(env.sim.url, 1)[0];
          return run?.outcome === 'running' && store.journal.entries(run.id).some((e) => e.status === 'started')
            ? true
            : undefined;
        },
        20_000,
      );
    } finally {
      store.close();
    }
    d.child().kill('SIGKILL');
    await new Promise((r) => d.child().once('exit', r));
    env.sim.control.setFaults({ rules: [] });
    await d.startDaemon();
    await d.waitFor(
      'app3 running',
      async () => {
        const res = await env.sim.api('GET', '/nodes/pve/lxc/203/status/current');
        return res.status === 200 && (res.body?.data as { status?: string }).status === 'running' ? true : undefined;
      },
      30_000,
    );
    const creates = env.mutating(since).filter((m) => m.method === 'POST' && /\/nodes\/pve\/lxc$/.test(m.path));
    expect(creates).toHaveLength(1);
    const { runs } = await d.api<{ runs: Run[] }>('/api/v1/history?limit=20');
    expect(runs.some((r) => r.outcome === 'interrupted')).toBe(true);
    await d.waitFor(
      'in sync',
      async () => {
        const s = await d.api<{ rows: { address: string; sync: string }[] }>('/api/v1/status');
        return s.rows.filter((r) => r.address.startsWith('guest.')).every((r) => r.sync === 'in sync') &&
          s.rows.length > 0
          ? true
          : undefined;
      },
      15_000,
    );
  });

  it('a CLI apply meets the daemon lease; SIGTERM mid-apply finishes the step in flight, records the run interrupted, exits 0; a restart converges', async () => {
    const d = (t = await startDaemonE2e('gitops:\n  pollInterval: 1\n'));
    const { env } = d;
    await d.startDaemon();
    await d.waitFor('the first apply', async () => (await env.memoryOf(202)) === 512 || undefined, 30_000);
    env.sim.control.setFaults({ rules: [{ method: 'PUT', route: '/nodes/**', latencyMs: 1500 }] });
    const rev = await env.commitConfig((y) => setMemory('app2', 700)(setMemory('app1', 700)(y)), 'both to 700');
    await applyingFor(d, rev);
    const store = openStateStore(env.statePath);
    try {
      await d.waitFor(
        'a step in flight',
        () => {
          const run = store.runs.list(env.sim.url, 1)[0];
          return run?.outcome === 'running' && store.journal.entries(run.id).some((e) => e.status === 'started')
            ? true
            : undefined;
        },
        20_000,
      );
      // An apply of the CLI (the same operation `phoenix apply` runs) meets the daemon's lease.
      const cli = await createPhoenix({
        configDir: join(env.dir, 'gitops-source', 'revisions', rev, 'env'),
        statePath: env.statePath,
        env: { PHOENIX_E2E_TOKEN: env.tokenSecret },
      });
      try {
        const planned = await planEnvironment(cli);
        await expect(applyPlan(cli, planned)).rejects.toMatchObject({ code: 'E_LEASE_HELD' });
      } finally {
        await cli.close();
      }
      const exited = new Promise<number | null>((r) => d.child().once('exit', (code) => r(code)));
      d.child().kill('SIGTERM');
      expect(await exited).toBe(0);
      const last = store.runs.list(env.sim.url, 1)[0]!;
      // The step in flight finished and was journaled: nothing is left `started`.
      expect(store.journal.entries(last.id).filter((e) => e.status === 'started')).toEqual([]);
      expect(last.outcome).not.toBe('running');
      expect(store.leases.get(env.sim.url)).toBeUndefined();
      expect(store.gitops.runs.list(1)[0]?.outcome).toMatch(/interrupted|succeeded/);
      expect(d.output()).toContain('stopping: finishing the work in flight');
    } finally {
      store.close();
    }
    env.sim.control.setFaults({ rules: [] });
    await d.startDaemon();
    await d.waitFor(
      'both at 700',
      async () => ((await env.memoryOf(201)) === 700 && (await env.memoryOf(202)) === 700) || undefined,
      20_000,
    );
  });
});
