import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.ts';
import type { StepCaDesired } from './step-ca-handler.ts';
import { certificateRow, certsExitCode, derivePki, renderCertsTable } from './index.ts';
import type { CertificateDesired } from './certificate-handler.ts';

describe('pki provider', () => {
  it('examples/homelab: the CA in 103 first, every certificate after it', async () => {
    const { config } = await loadConfig('examples/homelab');
    const { resources, diagnostics } = derivePki(config);
    expect(diagnostics).toEqual([]);
    const ca = resources[0]!;
    expect(ca.address).toBe('stepca.103');
    expect(ca.desired as StepCaDesired).toMatchObject({
      target: { kind: 'lxc', node: 'pve', vmid: 103 },
      caName: 'Homelab Internal CA',
      address: ':443',
      url: 'https://step-ca.home.arpa',
      provisionerName: 'admin',
      acmeName: 'acme',
      claims: { defaultDuration: '720h', maxDuration: '2160h' },
      passwordRef: 'env:PHOENIX_CA_PASSWORD',
      provisionerPasswordRef: 'env:PHOENIX_CA_PASSWORD',
      rootKey: 'online',
    });
    expect((ca.desired as StepCaDesired).dnsNames[0]).toBe('step-ca.home.arpa');
    const certs = resources.slice(1);
    expect(certs.length).toBeGreaterThanOrEqual(5);
    for (const cert of certs) expect(cert.dependsOn).toContain('stepca.103');
    // The plan file and state hold the references, never the secret values.
    expect(JSON.stringify(resources)).not.toMatch(/PRIVATE KEY/);
  });

  it('phoenix certs rows: conditions and the exit code (non-zero when expired or past renewal)', () => {
    const desired: CertificateDesired = {
      name: 'gw',
      target: { kind: 'lxc', node: 'pve', vmid: 101 },
      commonName: 'gw.home.arpa',
      sans: ['gw.home.arpa'],
      keyType: 'EC-P256',
      duration: '30d',
      files: { cert: '/c', key: '/k' },
      owner: 'root',
      group: 'root',
      keyMode: '0600',
      certMode: '0644',
      origin: 'certificates[0]',
    };
    const issued = Date.parse('2026-12-01T00:00:00Z');
    const facts = {
      serial: '7',
      fingerprint: 'f',
      notBefore: new Date(issued).toISOString(),
      notAfter: new Date(issued + 30 * 86_400_000).toISOString(),
      sans: ['gw.home.arpa'],
      keyType: 'EC-P256' as const,
      issuer: 'i',
    };
    const observed = { facts, key: { sha256: 'x', mode: '0600', owner: 'root', group: 'root' } };
    const ready = certificateRow('cert.gw', desired, observed, new Date(issued + 86_400_000));
    const due = certificateRow('cert.gw', desired, observed, new Date(issued + 25 * 86_400_000));
    const expired = certificateRow('cert.gw', desired, observed, new Date(issued + 31 * 86_400_000));
    const missing = certificateRow('cert.gw', desired, null, new Date(issued));
    expect([ready, due, expired, missing].map((r) => r.condition.type)).toEqual([
      'Ready',
      'Expiring',
      'Failed',
      'Issuing',
    ]);
    expect(certsExitCode([ready, missing])).toBe(0);
    expect(certsExitCode([ready, due])).toBe(2);
    expect(certsExitCode([expired])).toBe(2);
    const table = renderCertsTable([ready, due]);
    expect(table).toMatch(/^NAME\s+GUEST\s+NAMES\s+NOT AFTER\s+RENEW AT\s+CONDITION\n/);
    expect(table).toContain('gw    CT 101  gw.home.arpa  2026-12-31 00:00');
    expect(table).toMatch(/Expiring \(RenewalDue\)/);
    expect(table).toMatch(/gw: expires 2026-12-31 00:00 UTC, renew after 2\/3 of the lifetime/);
  });
});
