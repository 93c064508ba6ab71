/**
 * Issue 8: the README's token procedure, followed literally against the simulator, deleted and
 * re-created the very token Phoenix was logged in with (plan: `~ token.phoenix@pve!gitops ...
 * secret: (sensitive)`), after which every call got 401. Here: `phoenix init --scaffold`, run the
 * printed `pveum` commands (as their API calls, as root), export the secret, point the config at
 * the simulator and apply twice: the token stays valid, the second apply sends nothing. And the
 * role `init` prints does not let Phoenix widen its own rights.
 */
import { readFileSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/config/__fixtures__/run-cli.ts';
import { startTestSimulator, type TestSimulator } from '../../src/sim/testing.ts';

let sim: TestSimulator;
let dir = '';
let secret = '';
const TOKEN = 'phoenix@pve!gitops';

/** Splits a printed shell command into words (single quotes as `phoenix init` prints them). */
function words(command: string): string[] {
  return [...command.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? '');
}

/** One `pveum` command as the API call it stands for, sent as root. */
async function pveum(command: string): Promise<unknown> {
  const w = words(command);
  const flag = (name: string) => w[w.indexOf(`--${name}`) + 1] ?? '';
  const call = async (method: string, path: string, params: Record<string, string | number>) => {
    const r = await sim.api(method, path, params);
    expect(r.status, `${command}: ${JSON.stringify(r.body)}`).toBe(200);
    return r.body?.data;
  };
  const verb = w.slice(1, w[1] === 'user' && w[2] === 'token' ? 4 : 3).join(' ');
  switch (verb) {
    case 'role add':
      return call('POST', '/access/roles', { roleid: w[3] ?? '', privs: flag('privs') });
    case 'user add':
      return call('POST', '/access/users', { userid: w[3] ?? '', comment: flag('comment') });
    case 'acl modify':
      return call('PUT', '/access/acl', {
        path: w[3] ?? '',
        roles: flag('roles'),
        propagate: Number(flag('propagate')),
        ...(w.includes('--users') ? { users: flag('users') } : { tokens: flag('tokens') }),
      });
    case 'user token add':
      return call('POST', `/access/users/${w[4]}/token/${w[5]}`, {
        privsep: Number(flag('privsep')),
        comment: flag('comment'),
      });
    default:
      throw new Error(`unexpected command ${command}`);
  }
}

const asPhoenix = () => ({ Authorization: `PVEAPIToken=${TOKEN}=${secret}` });
const mutating = (since: number) =>
  sim.requests
    .slice(since)
    .filter((r) => r.method !== 'GET')
    .map((r) => `${r.method} ${r.path} ${r.status}`);

beforeAll(async () => {
  // Plain HTTP on loopback: the test's own root calls use fetch, which has no fingerprint pinning.
  sim = await startTestSimulator();
  dir = mkdtempSync(join(tmpdir(), 'phoenix-readme-'));
  const init = await runCli(['init', dir, '--scaffold', '--json']);
  expect(init.code, init.stderr).toBe(0);
  const access = JSON.parse(init.stdout) as { commands: string[]; tokenId: string };
  expect(access.tokenId).toBe(TOKEN);
  for (const command of access.commands) {
    const data = await pveum(command);
    if (command.includes('token add')) secret = String((data as { value: string }).value);
  }
  expect(secret).toMatch(/^[0-9a-f-]{36}$/);
  // README step 2: the proxmox section, the secret from the environment.
  const file = join(dir, 'phoenix.yaml');
  const text = readFileSync(file, 'utf8')
    .replace('# proxmox:', 'proxmox:')
    .replace('#   endpoint: https://pve.example:8006', `  endpoint: ${sim.url}`)
    .replace(`#   tokenId: ${TOKEN}`, `  tokenId: "${TOKEN}"`)
    .replace('#   tokenSecret: env:PHOENIX_TOKEN_SECRET', '  tokenSecret: env:PHOENIX_TOKEN_SECRET')
    .replace('#   tls: { fingerprint: "AB:CD:..." }', '');
  writeFileSync(file, text);
  process.env.PHOENIX_TOKEN_SECRET = secret;
}, 60_000);
afterAll(async () => {
  delete process.env.PHOENIX_TOKEN_SECRET;
  rmSync(dir, { recursive: true, force: true });
  await sim.stop();
});

describe("the README's token procedure on the simulator", () => {
  it('plan shows no token change; apply twice keeps the token valid; the second apply sends nothing', async () => {
    const plan = await runCli(['plan', '-c', dir]);
    expect(plan.code, plan.stderr + plan.stdout).toBe(0);
    expect(plan.stdout).not.toMatch(/token\.phoenix@pve!gitops/);
    expect(plan.stdout).not.toMatch(/secret/);

    const first = await runCli(['apply', '-c', dir, '--auto-approve']);
    expect(first.code, first.stderr + first.stdout).toBe(0);
    expect((await sim.api('GET', '/version', {}, asPhoenix())).status).toBe(200);

    const mark = sim.requests.length;
    const second = await runCli(['apply', '-c', dir, '--auto-approve']);
    expect(second.code, second.stderr + second.stdout).toBe(0);
    expect(mutating(mark)).toEqual([]);
    // The token was never deleted or re-created: the original secret still works, nothing got a 401.
    expect((await sim.api('GET', '/version', {}, asPhoenix())).status).toBe(200);
    expect(sim.requests.filter((r) => r.status === 401)).toEqual([]);
    expect(sim.requests.filter((r) => r.method === 'DELETE' && /\/token\//.test(r.path))).toEqual([]);
  });

  it('a privilege removed from its role by hand is reported, never granted back by Phoenix', async () => {
    const role = (await sim.api('GET', '/access/roles/Phoenix')).body?.data as Record<string, number>;
    expect(role['VM.Clone']).toBe(1);
    const privs = Object.keys(role).filter((p) => role[p] === 1 && p !== 'VM.Clone');
    expect((await sim.api('PUT', '/access/roles/Phoenix', { privs: privs.join(',') })).status).toBe(200);
    const mark = sim.requests.length;
    const plan = await runCli(['plan', '-c', dir, '--json']);
    const json = JSON.parse(plan.stdout) as {
      changes: { address: string; action: string }[];
      diagnostics: { code: string; address?: string; message: string }[];
    };
    expect(json.changes.filter((c) => c.action !== 'noop')).toEqual([]);
    expect(json.diagnostics).toContainEqual(
      expect.objectContaining({ code: 'W_SELF_ACCESS', address: 'role.Phoenix' }),
    );
    expect((await runCli(['apply', '-c', dir, '--auto-approve'])).code).toBe(0);
    expect(mutating(mark)).toEqual([]);
    const after = (await sim.api('GET', '/access/roles/Phoenix')).body?.data as Record<string, number>;
    expect(after['VM.Clone']).toBeUndefined();
  });

  it('its own token marked by another environment is still only compared: no conflict, no change', async () => {
    const r = await sim.api('PUT', `/access/users/phoenix@pve/token/gitops`, { comment: 'phoenix[elsewhere]: shared' });
    expect(r.status).toBe(200);
    const mark = sim.requests.length;
    const plan = await runCli(['plan', '-c', dir, '--json']);
    const json = JSON.parse(plan.stdout) as { errored: boolean; changes: { address: string; action: string }[] };
    expect(json.errored).toBe(false);
    expect(json.changes.find((c) => c.address === `token.${TOKEN}`)?.action).toBe('noop');
    expect((await runCli(['apply', '-c', dir, '--auto-approve'])).code).toBe(0);
    expect(mutating(mark)).toEqual([]);
    expect((await sim.api('GET', '/version', {}, asPhoenix())).status).toBe(200);
  });

  it("the printed role cannot widen Phoenix's own rights, whatever Phoenix sends", async () => {
    const attempts = [
      ['PUT', '/access/roles/Phoenix', { privs: 'Permissions.Modify,Sys.Modify,VM.Clone' }],
      ['POST', '/access/roles', { roleid: 'Escalate', privs: 'Permissions.Modify' }],
      ['PUT', '/access/acl', { path: '/', roles: 'Administrator', tokens: TOKEN }],
      ['PUT', '/access/acl', { path: '/access', roles: 'Administrator', users: 'phoenix@pve' }],
      ['PUT', '/access/acl', { path: '/vms', roles: 'Administrator', tokens: TOKEN }],
      ['PUT', `/access/users/phoenix@pve`, { groups: 'admins' }],
      ['POST', `/access/users/phoenix@pve/token/second`, { privsep: 0 }],
    ] as const;
    for (const [method, path, params] of attempts) {
      const r = await sim.api(method, path, { ...params }, asPhoenix());
      expect(r.status, `${method} ${path}`).toBe(403);
    }
  });
});
