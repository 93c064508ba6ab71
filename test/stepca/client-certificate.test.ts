/**
 * Phoenix's own Docker client certificate (`cert.phoenix-docker`, a `local` pki.certificate):
 * key generated on this machine, CSR signed through the JWK provisioner, files written under
 * `<configDir>/.phoenix/certs/phoenix-docker/` (key 0600, directory 0700, root beside), exactly
 * where the swarm provider's Docker clients read them. Run against the simulated step-ca and the
 * real step-ca 0.19: the chain verifies against the root, the leaf has clientAuth, a second apply
 * sends no sign request, and renewal happens only after 2/3 of the lifetime (simulated clock).
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StepCaClient } from '../../src/clients/stepca/client.ts';
import { openProvisioner } from '../../src/clients/stepca/ott.ts';
import { freePort } from '../../src/clients/ssh/_test-peers.ts';
import { loadDockerClientTlsFiles } from '../../src/clients/docker/tls-files.ts';
import { applyContext, converge } from '../../src/providers/node/_sim-fixture.ts';
import type { ShellResolver } from '../../src/providers/node/resolver.ts';
import { certificateHandler, type CaSession } from '../../src/providers/pki/certificate-handler.ts';
import { derivePkiResources } from '../../src/providers/pki/derive.ts';
import { localShell } from '../../src/providers/pki/local-shell.ts';
import { DOCKER_CLIENT_CERT, dockerClientCertDir } from '../../src/providers/swarm/clients.ts';
import { phoenixCertificateFiles, phoenixRootFile } from '../../src/providers/pki/paths.ts';
import { startSimStepCa } from '../../src/sim/stepca/index.ts';
import { makeCaFixture, type CaFixture } from './_ca-fixture.ts';
import { buildStepCa, startRealStepCa } from './_real-step-ca.ts';

interface Target {
  name: string;
  /** The simulated CA follows the test clock; the real one keeps real time. */
  clocked: boolean;
  start(fixture: CaFixture, now: () => Date): Promise<{ stop(): Promise<void> } | undefined>;
}

const targets: Target[] = [
  {
    name: 'simulated step-ca',
    clocked: true,
    start: (fixture, now) =>
      startSimStepCa({
        configPath: fixture.bundle.paths.config,
        passwordFile: fixture.bundle.paths.passwordFile,
        port: fixture.port,
        now,
      }),
  },
  {
    name: 'real step-ca 0.19',
    clocked: false,
    async start(fixture) {
      const binary = await buildStepCa();
      if (!binary) return undefined;
      return startRealStepCa({
        binary,
        configPath: fixture.bundle.paths.config,
        passwordFile: fixture.bundle.paths.passwordFile,
        port: fixture.port,
        logFile: join(fixture.dir, 'step-ca.log'),
      });
    },
  },
];

const noGuestShells: ShellResolver = (target) => {
  throw new Error(`no guest may be touched for a local certificate (asked for ${JSON.stringify(target)})`);
};

function swarmConfig(): Parameters<typeof derivePkiResources>[0] {
  return {
    environment: 'homelab',
    cluster: { domain: 'home.arpa' },
    guests: [
      { id: 103, name: 'ca', type: 'lxc', node: 'pve', net: [{ ip: '10.0.0.3/24' }], role: 'step-ca' },
      { id: 1001, name: 'manager', type: 'vm', node: 'pve', net: [{ ip: '10.0.0.21/24' }], role: 'swarm-manager' },
    ],
    platform: { stepCa: { defaultDuration: '24h' } },
    certificates: [],
  };
}

describe.each(targets)("Phoenix's Docker client certificate: $name", (target) => {
  let fixture: CaFixture;
  let running: { stop(): Promise<void> } | undefined;
  let session: CaSession;
  let configDir = '';
  let clock = Date.now();
  let signCalls = 0;
  const now = (): Date => (target.clocked ? new Date(clock) : new Date());

  beforeAll(async () => {
    fixture = await makeCaFixture({ port: await freePort(), claims: { defaultDuration: '24h', maxDuration: '720h' } });
    running = await target.start(fixture, () => new Date(clock));
    configDir = mkdtempSync(join(tmpdir(), 'phoenix-client-cert-'));
    const client = new StepCaClient({
      url: fixture.url,
      rootPem: fixture.bundle.material.rootCertPem,
      dial: { host: '127.0.0.1', port: fixture.port },
    });
    // Count what Phoenix sends, whichever CA answers.
    const sign = client.sign.bind(client);
    client.sign = (...args) => {
      signCalls += 1;
      return sign(...args);
    };
    session = {
      client,
      signer: await openProvisioner('phoenix', fixture.bundle.provisioner.encryptedKey, fixture.provisionerPassword),
      rootFingerprint: fixture.bundle.material.rootFingerprint,
      rootPem: fixture.bundle.material.rootCertPem,
    };
  }, 300_000);

  afterAll(async () => {
    await session?.client.close();
    await running?.stop();
    if (fixture) rmSync(fixture.dir, { recursive: true, force: true });
    if (configDir) rmSync(configDir, { recursive: true, force: true });
  });

  it('issues locally (key 0600 in a 0700 directory, root beside), chains to the root with clientAuth; a second apply signs nothing', async (ctx) => {
    if (!running) return ctx.skip();
    const derived = derivePkiResources(swarmConfig());
    const res = derived.resources.find((r) => r.address === 'cert.phoenix-docker')!;
    expect(res.desired.target).toEqual({ kind: 'local' });
    const handler = certificateHandler({
      shells: noGuestShells,
      local: localShell(configDir),
      ca: async () => session,
      now,
    });

    expect(await converge(handler, res)).toBe('create');
    expect(signCalls).toBe(1);

    // Where the swarm provider's clients read them.
    const dir = dockerClientCertDir(configDir);
    const files = phoenixCertificateFiles(DOCKER_CLIENT_CERT, dir);
    const root = phoenixRootFile(dir);
    expect(statSync(files.key).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, DOCKER_CLIENT_CERT)).mode & 0o777).toBe(0o700);
    expect(statSync(files.fullchain).mode & 0o777).toBe(0o600);
    expect(readFileSync(root, 'utf8')).toBe(fixture.bundle.material.rootCertPem);

    const chain = readFileSync(files.fullchain, 'utf8');
    const [leafPem, intermediatePem] = chain.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/g)!;
    const leafFile = join(fixture.dir, 'client-leaf.pem');
    const intermediateFile = join(fixture.dir, 'client-intermediate.pem');
    writeFileSync(leafFile, leafPem!);
    writeFileSync(intermediateFile, intermediatePem!);
    expect(
      execFileSync(
        'openssl',
        ['verify', '-purpose', 'sslclient', '-CAfile', root, '-untrusted', intermediateFile, leafFile],
        { encoding: 'utf8' },
      ),
    ).toMatch(/: OK/);
    const leaf = new X509Certificate(leafPem!);
    expect(leaf.subject).toMatch(/CN=phoenix-homelab\.home\.arpa/);
    expect(
      execFileSync('openssl', ['x509', '-noout', '-ext', 'extendedKeyUsage', '-in', leafFile], { encoding: 'utf8' }),
    ).toMatch(/TLS Web Client Authentication/);
    // The leaf's key is the key on disk (generated here, never sent anywhere).
    expect(leaf.checkPrivateKey(createPrivateKey(readFileSync(files.key, 'utf8')))).toBe(true);
    // The Docker clients accept the files (they refuse a key readable by others).
    expect(() => loadDockerClientTlsFiles({ ...files, root, name: DOCKER_CLIENT_CERT })).not.toThrow();

    const before = { key: readFileSync(files.key, 'utf8'), mtime: statSync(files.fullchain).mtimeMs };
    expect(await converge(handler, res)).toBe('noop');
    expect(signCalls).toBe(1);
    expect(readFileSync(files.key, 'utf8')).toBe(before.key);
    expect(statSync(files.fullchain).mtimeMs).toBe(before.mtime);
  }, 60_000);

  it('a key file opened to others is planned as drift and reissued (0600 again)', async (ctx) => {
    if (!running) return ctx.skip();
    const res = derivePkiResources(swarmConfig()).resources.find((r) => r.address === 'cert.phoenix-docker')!;
    const handler = certificateHandler({
      shells: noGuestShells,
      local: localShell(configDir),
      ca: async () => session,
      now,
    });
    const files = phoenixCertificateFiles(DOCKER_CLIENT_CERT, dockerClientCertDir(configDir));
    chmodSync(files.key, 0o644);
    const observed = (await handler.observe({ ctx: applyContext(), resource: res })).observed;
    const plan = await handler.diff({ resource: res, observed });
    expect(plan.changes).toEqual([{ path: 'key.mode', before: '0644', after: '0600' }]);
    const signs = signCalls;
    expect(await converge(handler, res)).toBe('update');
    expect(signCalls).toBe(signs + 1);
    expect(statSync(files.key).mode & 0o777).toBe(0o600);
    expect(await converge(handler, res)).toBe('noop');
  }, 60_000);

  it('delete (destroy) revokes it and removes its files from this machine; the next observation finds nothing', async (ctx) => {
    if (!running) return ctx.skip();
    const res = derivePkiResources(swarmConfig()).resources.find((r) => r.address === 'cert.phoenix-docker')!;
    mkdirSync(join(configDir, 'destroyed'));
    const handler = certificateHandler({
      shells: noGuestShells,
      local: localShell(join(configDir, 'destroyed')),
      ca: async () => session,
      now,
    });
    expect(await converge(handler, res)).toBe('create');
    const observed = (await handler.observe({ ctx: applyContext(), resource: res })).observed;
    await handler.delete({ ctx: applyContext(), address: res.address, observed, change: {} as never });
    const files = phoenixCertificateFiles(DOCKER_CLIENT_CERT, dockerClientCertDir(join(configDir, 'destroyed')));
    expect(existsSync(files.key)).toBe(false);
    expect(existsSync(files.fullchain)).toBe(false);
    expect(existsSync(join(dockerClientCertDir(join(configDir, 'destroyed')), DOCKER_CLIENT_CERT))).toBe(false);
    expect((await handler.observe({ ctx: applyContext(), resource: res })).observed).toBeNull();
  }, 60_000);

  // The real CA keeps real time: crossing 2/3 of a lifetime is shown on the simulated clock only.
  if (target.clocked)
    it('renews only after 2/3 of its lifetime (simulated clock)', async (ctx) => {
      if (!running) return ctx.skip();
      const res = derivePkiResources(swarmConfig()).resources.find((r) => r.address === 'cert.phoenix-docker')!;
      const handler = certificateHandler({
        shells: noGuestShells,
        local: localShell(configDir),
        ca: async () => session,
        now,
      });
      const signs = signCalls;
      clock += 12 * 3_600_000; // 12 of 24 hours
      expect(await converge(handler, res)).toBe('noop');
      expect(signCalls).toBe(signs);
      clock += 5 * 3_600_000; // 17 of 24 hours: past 2/3
      const observed = (await handler.observe({ ctx: applyContext(), resource: res })).observed;
      expect((await handler.diff({ resource: res, observed })).reasons[0]).toMatch(/^renew: .*2\/3 of the lifetime/);
      expect(await converge(handler, res)).toBe('update');
      expect(signCalls).toBe(signs + 1);
      expect(await converge(handler, res)).toBe('noop');
      expect(signCalls).toBe(signs + 1);
    }, 60_000);
});
