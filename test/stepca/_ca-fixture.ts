/**
 * Test-only: lays out the CA Phoenix generates (generateCaBundle) in a temp directory, exactly
 * as it would be written to guest 103, so the real step-ca and the simulated one can both be
 * started from the same, unchanged files.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { generateCaBundle, type CaBundle } from '../../src/providers/pki/ca-bundle.ts';

export interface CaFixture {
  dir: string;
  bundle: CaBundle;
  caPassword: string;
  provisionerPassword: string;
  port: number;
  url: string;
}

export async function makeCaFixture(options: {
  port: number;
  dnsNames?: string[];
  claims?: { defaultDuration: string; maxDuration: string };
}): Promise<CaFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'phoenix-stepca-'));
  const caPassword = 'ca-password-canary-7f3a';
  const provisionerPassword = 'provisioner-password-canary-91c2';
  const bundle = await generateCaBundle({
    caName: 'Phoenix Contract CA',
    caPassword,
    provisionerPassword,
    provisionerName: 'phoenix',
    acmeName: 'acme',
    dnsNames: options.dnsNames ?? ['ca.home.arpa', '127.0.0.1'],
    address: `127.0.0.1:${options.port}`,
    url: `https://ca.home.arpa:${options.port}`,
    baseDir: join(dir, 'step'),
    claims: options.claims ?? { defaultDuration: '24h', maxDuration: '720h' },
  });
  for (const file of bundle.files) {
    mkdirSync(dirname(file.path), { recursive: true });
    writeFileSync(file.path, file.content, { mode: file.mode });
  }
  return {
    dir,
    bundle,
    caPassword,
    provisionerPassword,
    port: options.port,
    url: `https://ca.home.arpa:${options.port}`,
  };
}
