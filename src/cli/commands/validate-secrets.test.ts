/**
 * Issue 9, validation: `validate` resolves every secret reference (the variable is set, the file
 * is there and readable) without printing a value, and locates what fails; a secret file that
 * group or others can read is a located warning; overlapping bridge subnets are an error; a
 * secret `plan` cannot resolve is located too.
 */
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BASE, lxc, writeConfig, type TempConfig } from '../../config/__fixtures__/harness.ts';
import { runCli } from '../../config/__fixtures__/run-cli.ts';

const VALUE = 'hunter2-do-not-print';
let temp: TempConfig | undefined;
afterEach(() => {
  temp?.cleanup();
  temp = undefined;
  delete process.env['PHOENIX_T_SECRET'];
});

const noStack = (text: string): void => {
  expect(text).not.toMatch(/internal error|\n\s+at .+:\d+:\d+/);
};

function withPassword(ref: string, extra: Record<string, string> = {}): TempConfig {
  return writeConfig({ 'phoenix.yaml': BASE, 'g.yaml': `guests:\n${lxc(101, 'a', `password: "${ref}"`)}`, ...extra });
}

describe('validate resolves secret references', () => {
  it('an unset environment variable is a located error', async () => {
    temp = withPassword('env:PHOENIX_T_SECRET');
    const r = await runCli(['validate', temp.dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `${temp.dir}/g.yaml:2:121: error: secret env:PHOENIX_T_SECRET: environment variable PHOENIX_T_SECRET is not set (at guests[0].password)`,
    );
    expect(r.stderr).toMatch(/hint: export PHOENIX_T_SECRET=/);
    noStack(r.stderr);
  });

  it('a set variable passes and its value is never printed (text and --json)', async () => {
    temp = withPassword('env:PHOENIX_T_SECRET');
    process.env['PHOENIX_T_SECRET'] = VALUE;
    const r = await runCli(['validate', temp.dir]);
    expect(r.code, r.stderr).toBe(0);
    const j = await runCli(['validate', temp.dir, '--json']);
    expect(j.code).toBe(0);
    expect(r.stdout + r.stderr + j.stdout + j.stderr).not.toContain(VALUE);
  });

  it('a missing file is a located error; --no-resolve-secrets skips the resolution', async () => {
    temp = withPassword('file:secrets/root-pw');
    const r = await runCli(['validate', temp.dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/g\.yaml:2:121: error: secret file:secrets\/root-pw: cannot read the file: not found/);
    noStack(r.stderr);
    const skipped = await runCli(['validate', temp.dir, '--no-resolve-secrets']);
    expect(skipped.code, skipped.stderr).toBe(0);
  });

  it('a secret file readable by group or others is a located warning; 0600 is quiet', async () => {
    temp = withPassword('file:secrets/root-pw', { 'secrets/root-pw': `${VALUE}\n` });
    const file = join(temp.dir, 'secrets/root-pw');
    chmodSync(file, 0o644);
    const r = await runCli(['validate', temp.dir]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /g\.yaml:2:121: warning: secret file secrets\/root-pw is readable by group and others \(mode 0644\)/,
    );
    expect(r.stderr).toMatch(/hint: chmod 600 /);
    expect(r.stdout + r.stderr).not.toContain(VALUE);
    chmodSync(file, 0o600);
    const quiet = await runCli(['validate', temp.dir]);
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe('');
  });

  it('the file an API token secret is written to need not exist yet', async () => {
    temp = writeConfig({
      'phoenix.yaml': BASE,
      'host.yaml':
        'host:\n  users: [{ id: ci@pve }]\n  tokens: [{ user: ci@pve, name: deploy, secret: file:secrets/ci-token }]\n',
    });
    const r = await runCli(['validate', temp.dir]);
    expect(r.code, r.stderr).toBe(0);
  });

  it('plan names the unresolvable reference with file:line', async () => {
    temp = writeConfig({
      'phoenix.yaml':
        BASE +
        'proxmox:\n  endpoint: https://127.0.0.1:1\n  tokenId: "root@pam!ci"\n  tokenSecret: env:PHOENIX_T_SECRET\n' +
        `  tls: { fingerprint: "${Array(32).fill('AB').join(':')}" }\n`,
    });
    const r = await runCli(['plan', '-c', temp.dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /error: phoenix\.yaml:\d+:\d+: secret env:PHOENIX_T_SECRET: environment variable PHOENIX_T_SECRET is not set/,
    );
    noStack(r.stderr);
  });
});

describe('validate rejects overlapping bridge subnets', () => {
  it('10.10.0.1/24 and 10.10.0.129/25 on one node', async () => {
    temp = writeConfig({
      'phoenix.yaml': BASE,
      'net.yaml':
        'network:\n  bridges:\n    - { name: vmbr1, cidr: 10.10.0.1/24 }\n    - { name: vmbr2, cidr: 10.10.0.129/25 }\n',
    });
    const r = await runCli(['validate', temp.dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `${temp.dir}/net.yaml:4:28: error: subnet 10.10.0.128/25 of bridge vmbr2 overlaps 10.10.0.0/24 of bridge vmbr1`,
    );
    noStack(r.stderr);
  });

  it('the same subnet on bridges of different nodes is fine', async () => {
    temp = writeConfig({
      'phoenix.yaml': BASE.replace(
        '    - { name: pve, cores: 8, memory: 16384 }',
        '    - { name: pve, cores: 8, memory: 16384 }\n    - { name: pve2 }',
      ),
      'net.yaml':
        'network:\n  bridges:\n    - { name: vmbr1, node: pve, cidr: 10.10.0.1/24 }\n    - { name: vmbr1, node: pve2, cidr: 10.10.0.2/24 }\n',
    });
    const r = await runCli(['validate', temp.dir]);
    expect(r.stderr).not.toMatch(/overlaps/);
  });
});
