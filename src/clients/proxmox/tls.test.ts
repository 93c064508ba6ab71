import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakePve, type FakePve } from './_fake-pve.ts';
import { makeTestPki, type TestPki } from './_test-pki.ts';
import { createProxmoxClient } from './client.ts';
import { ProxmoxApiError } from './errors.ts';
import { FingerprintMismatchError, normalizeFingerprint, type TlsOptions } from './tls.ts';

let pki: TestPki;
let other: TestPki;
let fake: FakePve;
let dir: string;

beforeAll(async () => {
  [pki, other] = await Promise.all([makeTestPki(), makeTestPki()]);
  fake = await startFakePve(() => ({ data: { version: '8.4.1', release: '8.4', repoid: 'abc' } }), {
    key: pki.leafKeyPem,
    cert: pki.leafPem,
  });
  dir = mkdtempSync(join(tmpdir(), 'phoenix-tls-'));
});

afterAll(async () => {
  await fake?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function versionWith(tls: TlsOptions | undefined): Promise<unknown> {
  const client = createProxmoxClient({
    endpoint: fake.url,
    tokenId: 'phoenix@pve!deploy',
    tokenSecret: 's3cr3t-value',
    tls,
    retry: { maxAttempts: 1 },
  });
  try {
    return await client.cluster.version();
  } finally {
    await client.close();
  }
}

describe('TLS trust', () => {
  it('accepts the server when its CA is given as a file', async () => {
    const caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, pki.caPem);
    await expect(versionWith({ caFile })).resolves.toMatchObject({ version: '8.4.1' });
  });

  it('refuses a certificate from an unknown CA', async () => {
    const before = fake.requests.length;
    const error = await versionWith({ caPem: other.caPem }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProxmoxApiError);
    expect((error as ProxmoxApiError).status).toBe(0);
    expect((error as Error).message).toMatch(/certificate|self.signed|verify/i);
    expect(fake.requests.length).toBe(before);
  });

  it('refuses the self-signed chain with no trust settings at all (no silent insecure mode)', async () => {
    await expect(versionWith(undefined)).rejects.toBeInstanceOf(ProxmoxApiError);
  });

  it('accepts the right pinned fingerprint, in any case and with or without colons', async () => {
    await expect(versionWith({ fingerprint: pki.leafFingerprint })).resolves.toMatchObject({ release: '8.4' });
    await expect(
      versionWith({ fingerprint: pki.leafFingerprint.toLowerCase().replace(/:/g, '') }),
    ).resolves.toBeTruthy();
  });

  it('refuses a wrong pin before any request (and token) is sent', async () => {
    const before = fake.requests.length;
    const error = await versionWith({ fingerprint: other.leafFingerprint }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FingerprintMismatchError);
    expect((error as FingerprintMismatchError).detail).toContain(pki.leafFingerprint);
    expect((error as FingerprintMismatchError).hint).toMatch(/fingerprint/);
    expect(fake.requests.length).toBe(before);
  });

  it('requires both CA and pin to match when both are given', async () => {
    await expect(versionWith({ caPem: pki.caPem, fingerprint: pki.leafFingerprint })).resolves.toBeTruthy();
    await expect(versionWith({ caPem: pki.caPem, fingerprint: other.leafFingerprint })).rejects.toBeInstanceOf(
      FingerprintMismatchError,
    );
  });

  it('reports an unreadable CA file clearly', () => {
    expect(() =>
      createProxmoxClient({
        endpoint: fake.url,
        tokenId: 'a@pve!tf',
        tokenSecret: 'x',
        tls: { caFile: join(dir, 'missing.pem') },
      }),
    ).toThrow(/cannot read CA file/);
  });

  it('normalises fingerprints', () => {
    expect(normalizeFingerprint('ab'.repeat(32))).toBe(Array(32).fill('AB').join(':'));
    expect(() => normalizeFingerprint('zz')).toThrow(/invalid TLS fingerprint/);
  });
});
