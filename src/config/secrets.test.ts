import { describe, expect, it } from 'vitest';
import { PhoenixError } from '../errors.ts';
import { writeConfig } from './__fixtures__/harness.ts';
import { isSecretRef, resolveSecret } from './secrets.ts';

describe('resolveSecret', () => {
  it('reads env: references from the given environment', async () => {
    await expect(resolveSecret('env:PVE_TOKEN', { configDir: '/', env: { PVE_TOKEN: 's3cr3t' } })).resolves.toBe(
      's3cr3t',
    );
  });

  it('reads file: references relative to the config dir, without the trailing newline', async () => {
    const temp = writeConfig({ 'secrets/token': 'abc-123\n' });
    try {
      await expect(resolveSecret('file:secrets/token', { configDir: temp.dir, env: {} })).resolves.toBe('abc-123');
    } finally {
      temp.cleanup();
    }
  });

  it('fails with a hint, never with the value, when the secret is missing', async () => {
    const error = await resolveSecret('env:MISSING', { configDir: '/', env: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PhoenixError);
    expect((error as PhoenixError).message).toBe('secret env:MISSING: environment variable MISSING is not set');
    expect((error as PhoenixError).hint).toBe('export MISSING=... before running phoenix');
    const noFile = await resolveSecret('file:nope', { configDir: '/nonexistent', env: {} }).catch((e: unknown) => e);
    expect((noFile as PhoenixError).message).toBe('secret file:nope: cannot read the file (ENOENT)');
  });

  it('rejects a literal without echoing it', async () => {
    const error = (await resolveSecret('hunter2', { configDir: '/', env: {} }).catch(
      (e: unknown) => e,
    )) as PhoenixError;
    expect(error.code).toBe('E_SECRET_REF');
    expect(`${error.message} ${error.hint ?? ''}`).not.toContain('hunter2');
  });

  it.each([
    ['env:A_B1', true],
    ['file:./x', true],
    ['env:1X', false],
    ['env:', false],
    ['file:', false],
    ['plain', false],
  ])('isSecretRef(%s) = %s', (ref, expected) => {
    expect(isSecretRef(ref)).toBe(expected);
  });
});

describe('secrets in validation output', () => {
  it('never echoes a literal or a wrongly typed value of a secret field', async () => {
    const { BASE } = await import('./__fixtures__/harness.ts');
    const { validateConfig } = await import('./index.ts');
    const temp = writeConfig({
      'phoenix.yaml': `${BASE}proxmox:\n  endpoint: https://pve.lan:8006\n  tokenId: a@pve!ci\n  tokenSecret: 918273645\n  ssh: { privateKey: "-----BEGIN KEY-----" }\n`,
    });
    try {
      const result = await validateConfig(temp.dir);
      const text = JSON.stringify(result.diagnostics);
      expect(result.diagnostics.map((d) => d.location?.path)).toEqual([
        'proxmox.tokenSecret',
        'proxmox.ssh.privateKey',
      ]);
      expect(text).not.toContain('918273645');
      expect(text).not.toContain('BEGIN KEY');
    } finally {
      temp.cleanup();
    }
  });
});
