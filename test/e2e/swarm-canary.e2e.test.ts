/**
 * Canary: the Swarm's join tokens and the stacks' secret values appear in no output (up, plan,
 * a saved plan file, apply, status --json), no file Phoenix writes (the state database with its
 * journal and events, logs) — only in the simulated daemons' own store, as in dockerd's. A
 * rotated secret becomes a new Docker secret version and the old one is removed.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/config/__fixtures__/run-cli.ts';

const SECRET_1 = 'canary-stack-secret-5f0c9e1d7a';
const SECRET_2 = 'canary-stack-secret-rotated-b3e8a4';
const PORTAINER_PASSWORD = 'canary-portainer-admin-9d41c27e';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) return [];
    return stat.isDirectory() ? files(path) : [path];
  });
}

describe('secrets of the Swarm and the stacks stay secret', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'phoenix-swarm-canary-'));
    cpSync('examples/homelab', dir, { recursive: true, filter: (src) => !src.includes('.phoenix') });
  });
  afterAll(() => {
    delete process.env['WHOAMI_API_TOKEN'];
    delete process.env['PHOENIX_PORTAINER_PASSWORD'];
    rmSync(dir, { recursive: true, force: true });
  });

  it('never shows or stores a join token or a stack secret, and rotates the secret', async () => {
    const outputs: string[] = [];
    const run = async (args: string[]) => {
      const r = await runCli([...args, '-c', dir]);
      outputs.push(r.stdout, r.stderr);
      expect(r.code, r.stderr + r.stdout).toBe(0);
      return r;
    };
    process.env['WHOAMI_API_TOKEN'] = SECRET_1;
    process.env['PHOENIX_PORTAINER_PASSWORD'] = PORTAINER_PASSWORD;
    await run(['up']);
    const store = join(dir, '.phoenix', 'simulator.json.d', 'docker', 'engines.json');
    const secretNames = () =>
      (
        JSON.parse(readFileSync(store, 'utf8')) as { swarms: { secrets: { Spec: { Name: string } }[] }[] }
      ).swarms[0]!.secrets.map((s) => s.Spec.Name).sort();
    const before = secretNames();
    expect(before.map((n) => n.replace(/_[0-9a-f]{12}$/, ''))).toEqual([
      'portainer_admin_password',
      'whoami-testing_api_token',
      'whoami_api_token',
    ]);

    process.env['WHOAMI_API_TOKEN'] = SECRET_2;
    const planFile = join(dir, 'rotate.plan');
    const planned = await run(['plan', '--out', planFile]);
    expect(planned.stdout).toMatch(/stack\.whoami\.production/);
    outputs.push(readFileSync(planFile, 'utf8'));
    await run(['apply', planFile, '--auto-approve']);
    await run(['status', '--json']);
    await run(['plan', '--json']);
    const after = secretNames();
    // A new version per environment; the old ones are gone once the services moved. Portainer's
    // password did not change: its secret stays.
    expect(after).toHaveLength(3);
    expect(after.filter((n) => before.includes(n))).toEqual([expect.stringMatching(/^portainer_admin_password_/)]);

    const tokens = (
      JSON.parse(readFileSync(store, 'utf8')) as { swarms: { JoinTokens: { Worker: string; Manager: string } }[] }
    ).swarms[0]!.JoinTokens;
    const canaries = [SECRET_1, SECRET_2, PORTAINER_PASSWORD, tokens.Worker, tokens.Manager];
    for (const text of outputs) for (const c of canaries) expect(text).not.toContain(c);
    const written = files(dir);
    expect(written.some((f) => f.endsWith('state.db'))).toBe(true);
    for (const file of written) {
      const bytes = readFileSync(file);
      const where = relative(dir, file);
      // The simulated daemons' own store holds the tokens (as dockerd's raft store does), never a secret's value.
      const own = file === store ? [SECRET_1, SECRET_2, PORTAINER_PASSWORD] : canaries;
      for (const c of own) expect(bytes.includes(Buffer.from(c)), `${c.slice(0, 12)}… in ${where}`).toBe(false);
    }
  }, 240_000);
});
