/**
 * Warnings reach the user: a config for a real endpoint without `proxmox.ssh` plans the API side
 * and says, on stderr, that DNS and NFS (and the CA, certificates and routes) are left alone and
 * how to enable them — each once, and only where it changes the outcome.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/config/__fixtures__/run-cli.ts';
import { startE2e, type E2eEnv } from './_harness.ts';

let env: E2eEnv | undefined;
afterEach(async () => {
  delete process.env['PHOENIX_TEST_TOKEN_SECRET'];
  await env?.cleanup();
  env = undefined;
});

describe('warnings of the environment', () => {
  it('plan prints the no-SSH warning with its hint on stderr, and still plans', async () => {
    env = await startE2e();
    process.env['PHOENIX_TEST_TOKEN_SECRET'] = env.tokenSecret;
    appendFileSync(
      join(env.configDir, 'phoenix.yaml'),
      `\nproxmox:\n  endpoint: ${env.sim.url}\n  tokenId: "${env.sim.tokenId}"\n  tokenSecret: env:PHOENIX_TEST_TOKEN_SECRET\n`,
    );
    const run = await runCli(['plan', '-c', env.configDir, '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('warning: internal DNS and NFS exports are not managed: no SSH access to the nodes');
    expect(run.stderr).toContain('hint: set proxmox.ssh');
    const plan = JSON.parse(run.stdout) as { changes: { address: string }[] };
    expect(plan.changes.some((c) => c.address === 'guest.1001')).toBe(true);
    expect(plan.changes.some((c) => c.address.startsWith('node.'))).toBe(false);
  });

  it('is said once, and only by the commands whose outcome it changes', async () => {
    env = await startE2e();
    process.env['PHOENIX_TEST_TOKEN_SECRET'] = env.tokenSecret;
    appendFileSync(
      join(env.configDir, 'phoenix.yaml'),
      `\nproxmox:\n  endpoint: ${env.sim.url}\n  tokenId: "${env.sim.tokenId}"\n  tokenSecret: env:PHOENIX_TEST_TOKEN_SECRET\n`,
    );
    // Each provider that needs the shells says what it leaves out: DNS and NFS, the CA and its
    // certificates, the gateway's and Traefik's config.
    const warnings = [
      'warning: internal DNS and NFS exports are not managed: no SSH access to the nodes',
      'warning: the CA and certificates are not managed: no SSH access to the nodes',
      'warning: gateway and Traefik config are generated and checked but not applied: no SSH access to the nodes',
      'warning: Docker, the Swarm and the stacks are not managed: no SSH access to the nodes',
    ];
    const count = (text: string): number => text.split('no SSH access to the nodes').length - 1;
    const once = (text: string): void => {
      for (const w of warnings) expect(text.split(w).length - 1, `${w}\n---\n${text}`).toBe(1);
      expect(count(text), text).toBe(warnings.length);
    };
    // What is managed depends on them: plan, apply, status.
    const applied = await runCli(['apply', '-c', env.configDir, '--auto-approve']);
    expect(applied.code, applied.stderr).toBe(0);
    once(applied.stderr);
    expect(count(applied.stdout)).toBe(0);
    const status = await runCli(['status', '-c', env.configDir]);
    once(status.stderr + status.stdout);
    // Guests only, or no environment at all: nothing to say.
    for (const argv of [
      ['graph', '-c', env.configDir],
      ['validate', env.configDir, '--no-resolve-secrets'],
      ['schema'],
      ['stop', '1002', '-c', env.configDir],
      ['start', '1002', '-c', env.configDir],
      ['destroy', '-c', env.configDir, '--target', '1002', '--auto-approve'],
    ]) {
      const r = await runCli(argv);
      expect(r.code, `${argv.join(' ')}: ${r.stderr}`).toBe(0);
      expect(count(r.stderr + r.stdout), argv.join(' ')).toBe(0);
      expect(r.stderr).not.toMatch(/internal error/);
    }
  });
});
