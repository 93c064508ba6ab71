import 'reflect-metadata';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { calculateJwkThumbprint, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { openProvisioner } from '../../clients/stepca/ott.ts';
import { generateCaBundle } from './ca-bundle.ts';
import type { caJson } from './ca-config.ts';
import { certificateFingerprint, generateCaMaterial } from './ca-material.ts';
import { durationMs, goDuration } from './duration.ts';
import { newProvisionerKey, PBES2_COUNT } from './provisioner-key.ts';

describe('CA material', () => {
  it('root + intermediate (EC P-256): CA constraints, chain, keys encrypted with the CA password only', async () => {
    const m = await generateCaMaterial({ caName: 'Test, Inc. CA', password: 'pw-1' });
    const root = new X509Certificate(m.rootCertPem);
    const intermediate = new X509Certificate(m.intermediateCertPem);
    expect(root.ca).toBe(true);
    expect(intermediate.ca).toBe(true);
    expect(root.checkIssued(root)).toBe(true);
    expect(intermediate.checkIssued(root)).toBe(true);
    expect(intermediate.verify(root.publicKey)).toBe(true);
    expect(root.subject).toContain('CN=Test\\, Inc. CA Root CA');
    expect(root.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(m.rootFingerprint).toBe(certificateFingerprint(m.rootCertPem));
    expect(m.rootFingerprint).toMatch(/^[0-9a-f]{64}$/);
    for (const pem of [m.rootKeyPem, m.intermediateKeyPem]) {
      expect(pem).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
      expect(() => createPrivateKey(pem)).toThrow();
      expect(() => createPrivateKey({ key: pem, passphrase: 'wrong' })).toThrow();
    }
    const key = createPrivateKey({ key: m.intermediateKeyPem, passphrase: 'pw-1' });
    expect(key.asymmetricKeyType).toBe('ec');
  });

  it('supports P-384 and RSA-2048 CA keys', async () => {
    const p384 = await generateCaMaterial({ caName: 'X', password: 'p', keyType: 'EC-P384' });
    expect(new X509Certificate(p384.rootCertPem).publicKey.asymmetricKeyDetails?.namedCurve).toBe('secp384r1');
    const rsa = await generateCaMaterial({ caName: 'X', password: 'p', keyType: 'RSA-2048' });
    expect(new X509Certificate(rsa.intermediateCertPem).verify(new X509Certificate(rsa.rootCertPem).publicKey)).toBe(
      true,
    );
  });
});

describe('JWK provisioner key', () => {
  it('encryptedKey is a compact JWE as step writes it (PBES2-HS256+A128KW, A256GCM, jwk+json, p2c 100000); kid = thumbprint', async () => {
    const key = await newProvisionerKey('prov-pw');
    const header = decodeProtectedHeader(key.encryptedKey);
    expect(header).toMatchObject({ alg: 'PBES2-HS256+A128KW', enc: 'A256GCM', cty: 'jwk+json', p2c: PBES2_COUNT });
    expect(key.publicJwk.kid).toBe(await calculateJwkThumbprint(key.publicJwk, 'sha256'));
    expect(key.publicJwk).not.toHaveProperty('d');
    const signer = await openProvisioner('phoenix', key.encryptedKey, 'prov-pw');
    expect(signer.kid).toBe(key.publicJwk.kid);
    await expect(openProvisioner('phoenix', key.encryptedKey, 'nope')).rejects.toThrow(/wrong provisioner password/);
  });
});

describe('ca.json', () => {
  it('durations become Go durations; the password is never in ca.json', async () => {
    expect(goDuration('30d')).toBe('720h');
    expect(goDuration('90m')).toBe('90m');
    expect(durationMs('2h')).toBe(7_200_000);
    const bundle = await generateCaBundle({
      caName: 'CA',
      caPassword: 'ca-canary-pw',
      provisionerPassword: 'prov-canary-pw',
      provisionerName: 'phoenix',
      acmeName: 'acme',
      dnsNames: ['ca.home.arpa'],
      address: ':443',
      url: 'https://ca.home.arpa',
      baseDir: '/etc/step-ca',
      claims: { defaultDuration: '30d', maxDuration: '90d' },
    });
    const config = bundle.files.find((f) => f.path === '/etc/step-ca/config/ca.json')!;
    const parsed = JSON.parse(config.content) as ReturnType<typeof caJson> & {
      authority: { claims: Record<string, string>; provisioners: { type: string }[] };
    };
    expect(parsed.authority.claims).toEqual({
      minTLSCertDuration: '5m',
      maxTLSCertDuration: '2160h',
      defaultTLSCertDuration: '720h',
    });
    expect(parsed.authority.provisioners.map((p) => p.type)).toEqual(['JWK', 'ACME']);
    expect(parsed).toMatchObject({ address: ':443', dnsNames: ['ca.home.arpa'], db: { type: 'badgerv2' } });
    expect(config.content).not.toContain('ca-canary-pw');
    expect(config.content).not.toContain('prov-canary-pw');
    const secretPaths = bundle.files.filter((f) => f.secret).map((f) => [f.path, f.mode]);
    expect(secretPaths).toEqual([
      ['/etc/step-ca/secrets/intermediate_ca_key', 0o600],
      ['/etc/step-ca/secrets/root_ca_key', 0o600],
      ['/etc/step-ca/secrets/password', 0o600],
    ]);
    expect(bundle.offlineRootKeyPem).toBeUndefined();
  });

  it('rootKey offline: the root key is not among the guest files, it is handed back encrypted', async () => {
    const bundle = await generateCaBundle({
      caName: 'CA',
      caPassword: 'pw',
      provisionerPassword: 'pp',
      provisionerName: 'phoenix',
      acmeName: 'acme',
      dnsNames: ['ca.home.arpa'],
      address: ':443',
      url: 'https://ca.home.arpa',
      baseDir: '/etc/step-ca',
      claims: { defaultDuration: '24h', maxDuration: '72h' },
      rootKey: 'offline',
    });
    expect(bundle.files.map((f) => f.path)).not.toContain('/etc/step-ca/secrets/root_ca_key');
    expect(bundle.offlineRootKeyPem).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    const rootKey = createPrivateKey({ key: bundle.offlineRootKeyPem!, passphrase: 'pw' });
    const root = new X509Certificate(bundle.material.rootCertPem);
    // The handed-back key is the root's own.
    expect(root.checkPrivateKey(rootKey)).toBe(true);
  });
});
