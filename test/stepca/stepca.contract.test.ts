/**
 * ONE contract suite for step-ca's wire behaviour, run against the real step-ca 0.19 (built
 * from Debian's Go source) and against the simulated one (src/sim/stepca). Both are started
 * from the same files Phoenix generated (root, intermediate, encrypted keys, ca.json).
 * Issued certificates are checked by `openssl verify`; SANs must equal the requested ones.
 */
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StepCaClient, pemFingerprint, splitPem } from '../../src/clients/stepca/client.ts';
import { oneTimeToken, openProvisioner, type ProvisionerSigner } from '../../src/clients/stepca/ott.ts';
import { newLeafCsr } from '../../src/providers/pki/csr.ts';
import { startSimStepCa } from '../../src/sim/stepca/index.ts';
import { freePort } from '../../src/clients/ssh/_test-peers.ts';
import { makeCaFixture, type CaFixture } from './_ca-fixture.ts';
import { buildStepCa, startRealStepCa } from './_real-step-ca.ts';

interface Running {
  stop(): Promise<void>;
  log(): string;
}

interface Target {
  name: string;
  start(fixture: CaFixture, passwordFile?: string): Promise<Running | undefined>;
}

const targets: Target[] = [
  {
    name: 'simulated step-ca',
    async start(fixture, passwordFile) {
      const sim = await startSimStepCa({
        configPath: fixture.bundle.paths.config,
        passwordFile: passwordFile ?? fixture.bundle.paths.passwordFile,
        port: fixture.port,
      });
      return { stop: () => sim.stop(), log: () => sim.log().join('\n') };
    },
  },
  {
    name: 'real step-ca 0.19',
    async start(fixture, passwordFile) {
      const binary = await buildStepCa();
      if (!binary) return undefined;
      const ca = await startRealStepCa({
        binary,
        configPath: fixture.bundle.paths.config,
        passwordFile: passwordFile ?? fixture.bundle.paths.passwordFile,
        port: fixture.port,
        logFile: join(fixture.dir, 'step-ca.log'),
      });
      return { stop: () => ca.stop(), log: () => ca.log() };
    },
  },
];

function sansOf(pem: string): string[] {
  const text = new X509Certificate(pem).subjectAltName ?? '';
  return text
    .split(', ')
    .filter(Boolean)
    .map((entry) => entry.replace(/^(DNS|IP Address):/, ''))
    .sort();
}

describe.each(targets)('step-ca contract: $name', (target) => {
  let fixture: CaFixture;
  let running: Running | undefined;
  let client: StepCaClient;
  let signer: ProvisionerSigner;

  beforeAll(async () => {
    fixture = await makeCaFixture({ port: await freePort() });
    running = await target.start(fixture);
    client = new StepCaClient({
      url: fixture.url,
      rootPem: fixture.bundle.material.rootCertPem,
      dial: { host: '127.0.0.1', port: fixture.port },
    });
    signer = await openProvisioner('phoenix', fixture.bundle.provisioner.encryptedKey, fixture.provisionerPassword);
    // A cold build of the real step-ca (test-all.sh normally builds it first) takes ~25 s alone.
  }, 180_000);

  afterAll(async () => {
    await client?.close();
    await running?.stop();
    if (fixture) rmSync(fixture.dir, { recursive: true, force: true });
  });

  const live = (): boolean => running !== undefined;

  async function token(
    subject: string,
    sans: string[],
    extra: { audience?: string; now?: Date; jti?: string; lifetime?: number; signer?: ProvisionerSigner } = {},
  ) {
    return oneTimeToken(extra.signer ?? signer, {
      audience: extra.audience ?? client.audience('/1.0/sign'),
      subject,
      sans,
      sha: fixture.bundle.material.rootFingerprint,
      ...(extra.now ? { now: extra.now } : {}),
      ...(extra.jti ? { jti: extra.jti } : {}),
      ...(extra.lifetime ? { lifetime: extra.lifetime } : {}),
    });
  }

  async function expectStatus(promise: Promise<unknown>, status: number): Promise<void> {
    await expect(promise).rejects.toMatchObject({ status });
  }

  function opensslVerify(leafPem: string): string {
    const leaf = join(fixture.dir, `leaf-${Math.random().toString(16).slice(2)}.pem`);
    const intermediate = join(fixture.dir, 'intermediate.pem');
    writeFileSync(leaf, leafPem);
    writeFileSync(intermediate, fixture.bundle.material.intermediateCertPem);
    return execFileSync('openssl', ['verify', '-CAfile', fixture.bundle.paths.root, '-untrusted', intermediate, leaf], {
      encoding: 'utf8',
    });
  }

  it('answers /health', async ({ skip }) => {
    if (!live()) return skip();
    expect(await client.health()).toEqual({ status: 'ok' });
  });

  it('serves exactly the root Phoenix generated, and a pinned client refuses any other', async ({ skip }) => {
    if (!live()) return skip();
    const roots = await client.roots();
    expect(roots.map(pemFingerprint)).toEqual([fixture.bundle.material.rootFingerprint]);
    await client.verifyRoots(fixture.bundle.material.rootFingerprint);
    await expect(client.verifyRoots('00'.repeat(32))).rejects.toMatchObject({ code: 'E_STEPCA_ROOT_MISMATCH' });
  });

  it('refuses a TLS client that does not trust the generated root', async ({ skip }) => {
    if (!live()) return skip();
    const other = await makeCaFixture({ port: fixture.port });
    const stranger = new StepCaClient({
      url: fixture.url,
      rootPem: other.bundle.material.rootCertPem,
      dial: { host: '127.0.0.1', port: fixture.port },
    });
    try {
      await expect(stranger.health()).rejects.toMatchObject({ code: 'E_STEPCA_UNREACHABLE' });
    } finally {
      await stranger.close();
      rmSync(other.dir, { recursive: true, force: true });
    }
  });

  it('lists the JWK provisioner (with the encrypted key the provisioner password opens) and the ACME one', async ({
    skip,
  }) => {
    if (!live()) return skip();
    const list = await client.provisioners();
    expect(list.map((p) => `${p.type}/${p.name}`)).toEqual(['JWK/phoenix', 'ACME/acme']);
    const jwk = list[0]!;
    expect(jwk.key?.kid).toBe(fixture.bundle.provisioner.kid);
    const opened = await openProvisioner('phoenix', jwk.encryptedKey!, fixture.provisionerPassword);
    expect(opened.kid).toBe(fixture.bundle.provisioner.kid);
    await expect(openProvisioner('phoenix', jwk.encryptedKey!, 'wrong')).rejects.toThrow(/cannot be opened/);
  });

  it('signs a CSR with a one-time token: chain verifies with openssl, SANs equal the requested ones, default duration', async ({
    skip,
  }) => {
    if (!live()) return skip();
    const sans = ['gateway.home.arpa', 'proxy.home.arpa', '10.10.0.11'];
    const { csrPem } = await newLeafCsr({ commonName: 'gateway.home.arpa', sans });
    const signed = await client.sign(csrPem, await token('gateway.home.arpa', sans));
    expect(opensslVerify(signed.crt)).toMatch(/: OK/);
    expect(sansOf(signed.crt)).toEqual([...sans].sort());
    const leaf = new X509Certificate(signed.crt);
    expect(leaf.subject).toBe('CN=gateway.home.arpa');
    const hours = (Date.parse(leaf.validTo) - Date.parse(leaf.validFrom)) / 3_600_000;
    expect(hours).toBeGreaterThan(24);
    expect(hours).toBeLessThanOrEqual(24 + 1 / 60 + 0.001);
    expect(pemFingerprint(signed.ca)).toBe(pemFingerprint(fixture.bundle.material.intermediateCertPem));
    expect(signed.certChain?.map(pemFingerprint)).toEqual([pemFingerprint(signed.crt), pemFingerprint(signed.ca)]);
    expect(leaf.checkIssued(new X509Certificate(signed.ca))).toBe(true);
    expect(leaf.keyUsage ?? []).toEqual(expect.arrayContaining(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']));
  });

  it('honours a requested notAfter within the maximum and refuses one beyond it', async ({ skip }) => {
    if (!live()) return skip();
    const { csrPem } = await newLeafCsr({ commonName: 'short.home.arpa', sans: ['short.home.arpa'] });
    const signed = await client.sign(csrPem, await token('short.home.arpa', ['short.home.arpa']), { notAfter: '10m' });
    const leaf = new X509Certificate(signed.crt);
    const minutes = (Date.parse(leaf.validTo) - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(8);
    expect(minutes).toBeLessThanOrEqual(10.05);
    await expectStatus(
      client.sign(csrPem, await token('short.home.arpa', ['short.home.arpa']), { notAfter: '2000h' }),
      403,
    );
  });

  it('refuses a token whose SANs differ from the CSR', async ({ skip }) => {
    if (!live()) return skip();
    const { csrPem } = await newLeafCsr({ commonName: 'a.home.arpa', sans: ['a.home.arpa', 'b.home.arpa'] });
    await expectStatus(client.sign(csrPem, await token('a.home.arpa', ['a.home.arpa'])), 403);
    await expectStatus(
      client.sign(csrPem, await token('a.home.arpa', ['a.home.arpa', 'b.home.arpa', 'c.home.arpa'])),
      403,
    );
  });

  it('refuses a token whose subject is not the CSR common name', async ({ skip }) => {
    if (!live()) return skip();
    const { csrPem } = await newLeafCsr({ commonName: 'a.home.arpa', sans: ['a.home.arpa'] });
    await expectStatus(client.sign(csrPem, await token('other.home.arpa', ['a.home.arpa'])), 403);
  });

  it('refuses a token for another audience, an expired one, one issued before the CA started, and a foreign key', async ({
    skip,
  }) => {
    if (!live()) return skip();
    const { csrPem } = await newLeafCsr({ commonName: 'a.home.arpa', sans: ['a.home.arpa'] });
    await expectStatus(
      client.sign(
        csrPem,
        await token('a.home.arpa', ['a.home.arpa'], { audience: 'https://elsewhere.example/1.0/sign' }),
      ),
      401,
    );
    await expectStatus(
      client.sign(csrPem, await token('a.home.arpa', ['a.home.arpa'], { audience: client.audience('/1.0/revoke') })),
      401,
    );
    const past = new Date(Date.now() - 20 * 60_000);
    await expectStatus(
      client.sign(csrPem, await token('a.home.arpa', ['a.home.arpa'], { now: past, lifetime: 300 })),
      401,
    );
    await expectStatus(
      client.sign(csrPem, await token('a.home.arpa', ['a.home.arpa'], { now: past, lifetime: 3600 })),
      401,
    );
    const otherFixture = await makeCaFixture({ port: fixture.port });
    try {
      const stranger = await openProvisioner(
        'phoenix',
        otherFixture.bundle.provisioner.encryptedKey,
        otherFixture.provisionerPassword,
      );
      await expectStatus(client.sign(csrPem, await token('a.home.arpa', ['a.home.arpa'], { signer: stranger })), 401);
      // Right kid, wrong signature: the key id alone proves nothing.
      const forged = { ...stranger, kid: signer.kid };
      await expectStatus(client.sign(csrPem, await token('a.home.arpa', ['a.home.arpa'], { signer: forged })), 401);
    } finally {
      rmSync(otherFixture.dir, { recursive: true, force: true });
    }
  });

  it('accepts a token once: the same jti is refused the second time', async ({ skip }) => {
    if (!live()) return skip();
    const { csrPem } = await newLeafCsr({ commonName: 'once.home.arpa', sans: ['once.home.arpa'] });
    const ott = await token('once.home.arpa', ['once.home.arpa']);
    await client.sign(csrPem, ott);
    await expectStatus(client.sign(csrPem, ott), 401);
  });

  it('refuses a malformed request with 400', async ({ skip }) => {
    if (!live()) return skip();
    await expectStatus(client.sign('not a csr', 'x'), 400);
  });

  it('renews over mTLS (new serial, same names, same lifetime), and refuses a renewal without a client certificate', async ({
    skip,
  }) => {
    if (!live()) return skip();
    const sans = ['renew.home.arpa', '10.10.0.12'];
    const { csrPem, keyPem } = await newLeafCsr({ commonName: 'renew.home.arpa', sans });
    const first = await client.sign(csrPem, await token('renew.home.arpa', sans), { notAfter: '1h' });
    const mtls = client.withClientCertificate(first.crt + first.ca, keyPem);
    try {
      const renewed = await mtls.renew();
      expect(opensslVerify(renewed.crt)).toMatch(/: OK/);
      const a = new X509Certificate(first.crt);
      const b = new X509Certificate(renewed.crt);
      expect(b.serialNumber).not.toBe(a.serialNumber);
      expect(sansOf(renewed.crt)).toEqual([...sans].sort());
      expect(b.subject).toBe(a.subject);
      const lifetime = (pem: X509Certificate): number => Date.parse(pem.validTo) - Date.parse(pem.validFrom);
      expect(Math.abs(lifetime(b) - lifetime(a))).toBeLessThan(2000);
    } finally {
      await mtls.close();
    }
    await expectStatus(client.renew(), 400);
  });

  it('revokes with a one-time token; a revoked certificate cannot renew; revoking twice is refused', async ({
    skip,
  }) => {
    if (!live()) return skip();
    const { csrPem, keyPem } = await newLeafCsr({ commonName: 'revoke.home.arpa', sans: ['revoke.home.arpa'] });
    const signed = await client.sign(csrPem, await token('revoke.home.arpa', ['revoke.home.arpa']));
    const serial = BigInt(`0x${new X509Certificate(signed.crt).serialNumber}`).toString(10);
    const revokeToken = (subject: string): Promise<string> =>
      oneTimeToken(signer, {
        audience: client.audience('/1.0/revoke'),
        subject,
        sha: fixture.bundle.material.rootFingerprint,
      });
    // A token for the sign endpoint is not a revoke token.
    await expectStatus(client.revoke(serial, { ott: await token('revoke.home.arpa', ['revoke.home.arpa']) }), 401);
    // 0.19 does not bind the token's subject to the serial (Phoenix always sets sub = serial):
    // the body's serial is the one revoked.
    await client.revoke(serial, { ott: await revokeToken('12345') });
    await expectStatus(client.revoke(serial, { ott: await revokeToken(serial) }), 400);
    const mtls = client.withClientCertificate(signed.crt + signed.ca, keyPem);
    try {
      await expectStatus(mtls.renew(), 401);
    } finally {
      await mtls.close();
    }
  });

  it('serves the ACME directory of the ACME provisioner, and 404 for an unknown one', async ({ skip }) => {
    if (!live()) return skip();
    const directory = await client.acmeDirectory('acme');
    expect(directory.newNonce).toBe(`${fixture.url}/acme/acme/new-nonce`);
    expect(directory.newAccount).toBe(`${fixture.url}/acme/acme/new-account`);
    expect(directory.newOrder).toBe(`${fixture.url}/acme/acme/new-order`);
    await expect(client.acmeDirectory('nope')).rejects.toMatchObject({ status: expect.any(Number) });
  });

  it('does not start with a wrong CA password', async ({ skip }) => {
    if (!live()) return skip();
    const other = await makeCaFixture({ port: await freePort() });
    const wrong = join(other.dir, 'wrong-password');
    writeFileSync(wrong, 'not-the-password\n');
    try {
      await expect(target.start(other, wrong)).rejects.toThrow(/decryption password incorrect/);
    } finally {
      rmSync(other.dir, { recursive: true, force: true });
    }
  });

  it('splits PEM bundles', () => {
    expect(splitPem('')).toEqual([]);
  });
});
