/**
 * The CA set up by Phoenix in the simulated CT 103 (through the simulator's real SSH server),
 * then run from exactly the files the handler wrote: by the simulated step-ca (guest
 * filesystem root on the host) and by the real step-ca (the guest's /etc/step-ca bind-mounted
 * into a private mount namespace, so ca.json's in-guest paths work unchanged).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../clients/ssh/_test-peers.ts';
import { startSimStepCa, type SimStepCa } from '../../sim/stepca/index.ts';
import { buildStepCa } from '../../../test/stepca/_real-step-ca.ts';
import { applyContext, converge, resource, startSimFixture, type SimFixture } from '../node/_sim-fixture.ts';
import { openCaSession } from './ca-session.ts';
import { CERTIFICATE_KIND, certificateHandler } from './certificate-handler.ts';
import { STEP_CA_KIND, stepCaHandler, type StepCaDesired } from './step-ca-handler.ts';

const secrets: Record<string, string> = { 'env:CA_PW': 'ca-pw-canary-5521', 'env:PROV_PW': 'prov-pw-canary-8813' };
const resolveSecret = async (ref: string): Promise<string> => {
  const value = secrets[ref];
  if (value === undefined) throw new Error(`secret ${ref} is not set`);
  return value;
};

describe('pki.step-ca on the simulator', () => {
  let sim: SimFixture;
  let port: number;
  let ca: SimStepCa | undefined;
  const local = mkdtempSync(join(tmpdir(), 'phoenix-stepca-offline-'));

  beforeAll(async () => {
    sim = await startSimFixture({ 103: 'lxc', 101: 'lxc' });
    port = await freePort();
  });

  afterAll(async () => {
    await ca?.stop();
    await sim?.close();
    rmSync(local, { recursive: true, force: true });
  });

  const desired = (over: Partial<StepCaDesired> = {}): StepCaDesired => ({
    target: { kind: 'lxc', node: 'pve', vmid: 103 },
    baseDir: '/etc/step-ca',
    caName: 'Homelab CA',
    dnsNames: ['ca.home.arpa', '127.0.0.1'],
    address: `127.0.0.1:${port}`,
    url: `https://ca.home.arpa:${port}`,
    provisionerName: 'phoenix',
    acmeName: 'acme',
    claims: { defaultDuration: '24h', maxDuration: '720h' },
    keyType: 'EC-P256',
    rootKey: 'online',
    passwordRef: 'env:CA_PW',
    provisionerPasswordRef: 'env:PROV_PW',
    user: 'root',
    service: 'step-ca',
    install: { kind: 'package', name: 'step-ca' },
    binary: '/usr/bin/step-ca',
    installStamp: '/var/lib/phoenix/step-ca.source',
    ...over,
  });

  const guestRoot = (vmid: number): string => join(sim.dataDir, 'guests', String(vmid), 'root');

  it('sets the CA up once (keys 0600, service enabled and running), then plans nothing', async () => {
    const handler = stepCaHandler({ shells: sim.shells, resolveSecret });
    const res = resource('stepca.103', STEP_CA_KIND, desired());
    const first = await handler.diff({ resource: res, observed: null });
    expect(first.reasons[0]).toMatch(
      /^no CA in CT 103: install step-ca \(package step-ca\), generate root \+ intermediate \(EC-P256\)/,
    );
    expect(await converge(handler, res)).toBe('create');
    const shell = sim.shells({ kind: 'lxc', node: 'pve', vmid: 103 });
    for (const path of ['secrets/intermediate_ca_key', 'secrets/root_ca_key', 'secrets/password']) {
      expect((await shell.exec(['stat', '-c', '%a', `/etc/step-ca/${path}`])).stdout.trim()).toBe('600');
    }
    expect((await shell.exec(['systemctl', 'is-active', 'step-ca'])).stdout.trim()).toBe('active');
    expect(await converge(handler, res)).toBe('noop');
    // Nothing the plan or observation holds carries a secret.
    const observed = (await handler.observe({ ctx: applyContext(), resource: res })).observed;
    const text = JSON.stringify([observed, await handler.diff({ resource: res, observed })]);
    for (const value of Object.values(secrets)) expect(text).not.toContain(value);
    expect(text).not.toContain('PRIVATE KEY');
  });

  it('the simulated CA runs from the files in the guest; health checks the root read over SSH; a certificate is issued through it', async () => {
    ca = await startSimStepCa({
      fsRoot: guestRoot(103),
      configPath: '/etc/step-ca/config/ca.json',
      passwordFile: '/etc/step-ca/secrets/password',
      port,
    });
    const open = () =>
      openCaSession({
        shells: sim.shells,
        target: { kind: 'lxc', node: 'pve', vmid: 103 },
        baseDir: '/etc/step-ca',
        url: `https://ca.home.arpa:${port}`,
        dial: { host: '127.0.0.1', port },
        provisionerName: 'phoenix',
        provisionerPasswordRef: 'env:PROV_PW',
        resolveSecret,
      });
    const handler = stepCaHandler({
      shells: sim.shells,
      resolveSecret,
      checkHealth: async () => {
        const session = await open();
        await session.client.health();
        await session.client.close();
      },
    });
    expect(
      await handler.health!({ ctx: applyContext(), resource: resource('stepca.103', STEP_CA_KIND, desired()) }),
    ).toEqual({ status: 'healthy' });
    const session = await open();
    try {
      const certs = certificateHandler({ shells: sim.shells, ca: async () => session });
      const cert = resource('cert.web', CERTIFICATE_KIND, {
        name: 'web',
        target: { kind: 'lxc' as const, node: 'pve', vmid: 101 },
        commonName: 'web.home.arpa',
        sans: ['web.home.arpa'],
        keyType: 'EC-P256' as const,
        duration: '24h',
        files: { cert: '/etc/web.crt', key: '/etc/web.key' },
        owner: 'root',
        group: 'root',
        keyMode: '0600',
        certMode: '0644',
        origin: 'test',
      });
      expect(await converge(certs, cert)).toBe('create');
      expect(ca.requests()['POST /sign']).toBe(1);
    } finally {
      await session.client.close();
    }
  });

  it('a root that is not the one in the guest makes the health check fail for good', async () => {
    const handler = stepCaHandler({
      shells: sim.shells,
      resolveSecret,
      checkHealth: async (_d, rootPem) => {
        const { StepCaClient } = await import('../../clients/stepca/client.ts');
        const client = new StepCaClient({
          url: `https://ca.home.arpa:${port}`,
          rootPem,
          dial: { host: '127.0.0.1', port },
        });
        try {
          await client.verifyRoots('ff'.repeat(32));
        } finally {
          await client.close();
        }
      },
    });
    const health = await handler.health!({
      ctx: applyContext(),
      resource: resource('stepca.103', STEP_CA_KIND, desired()),
    });
    expect(health.status).toBe('unhealthy');
    expect(health.message).toMatch(/not the one Phoenix generated/);
  });

  it('drift: DNS names and a key file mode are corrected in place, keys and root kept; rootKey offline moves the root key out once', async () => {
    const handler = stepCaHandler({ shells: sim.shells, resolveSecret });
    const shell = sim.shells({ kind: 'lxc', node: 'pve', vmid: 103 });
    const before = (
      await handler.observe({ ctx: applyContext(), resource: resource('stepca.103', STEP_CA_KIND, desired()) })
    ).observed!;
    await shell.exec(['chmod', '0644', '/etc/step-ca/secrets/intermediate_ca_key']);
    const changed = resource(
      'stepca.103',
      STEP_CA_KIND,
      desired({ dnsNames: ['ca.home.arpa', 'step.home.arpa', '127.0.0.1'] }),
    );
    const plan = await handler.diff({
      resource: changed,
      observed: (await handler.observe({ ctx: applyContext(), resource: changed })).observed,
    });
    expect(plan.changes.map((c) => c.path)).toEqual([
      'dnsNames',
      '/etc/step-ca/secrets/intermediate_ca_key.permissions',
    ]);
    expect(await converge(handler, changed)).toBe('update');
    const after = (await handler.observe({ ctx: applyContext(), resource: changed })).observed!;
    expect(after.rootFingerprint).toBe(before.rootFingerprint);
    expect(after.intermediateFingerprint).toBe(before.intermediateFingerprint);
    expect(after.config?.provisioners).toEqual(['JWK/phoenix', 'ACME/acme']);
    expect(await converge(handler, changed)).toBe('noop');

    const rootKeyFile = join(local, 'root_ca_key');
    const offline = resource(
      'stepca.103',
      STEP_CA_KIND,
      desired({ dnsNames: ['ca.home.arpa', 'step.home.arpa', '127.0.0.1'], rootKey: 'offline', rootKeyFile }),
    );
    expect(await converge(handler, offline)).toBe('update');
    expect(existsSync(join(guestRoot(103), 'etc/step-ca/secrets/root_ca_key'))).toBe(false);
    expect(readFileSync(rootKeyFile, 'utf8')).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    expect(await converge(handler, offline)).toBe('noop');
  });

  it('the real step-ca starts from the files Phoenix wrote into the guest, unchanged', async ({ skip }) => {
    const binary = await buildStepCa();
    if (!binary) return skip();
    await ca?.stop();
    ca = undefined;
    // A private mount namespace: an overlay over /etc (writes go to a temp dir, never to the host),
    // the guest's /etc/step-ca bind-mounted at its in-guest path.
    const work = mkdtempSync(join(tmpdir(), 'phoenix-stepca-ns-'));
    const script = [
      'set -e',
      `mkdir -p ${work}/upper ${work}/work`,
      `mount -t overlay overlay -o lowerdir=/etc,upperdir=${work}/upper,workdir=${work}/work /etc`,
      'mkdir -p /etc/step-ca',
      `mount --bind ${guestRoot(103)}/etc/step-ca /etc/step-ca`,
      `exec ${binary} --password-file /etc/step-ca/secrets/password /etc/step-ca/config/ca.json`,
    ].join('\n');
    const child = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stdout.on('data', (c: Buffer) => (log += c.toString()));
    child.stderr.on('data', (c: Buffer) => (log += c.toString()));
    try {
      const session = await (async () => {
        for (let attempt = 0; attempt < 100; attempt += 1) {
          if (child.exitCode !== null) throw new Error(`step-ca exited ${child.exitCode}: ${log}`);
          try {
            return await openCaSession({
              shells: sim.shells,
              target: { kind: 'lxc', node: 'pve', vmid: 103 },
              baseDir: '/etc/step-ca',
              url: `https://ca.home.arpa:${port}`,
              dial: { host: '127.0.0.1', port },
              provisionerName: 'phoenix',
              provisionerPasswordRef: 'env:PROV_PW',
              resolveSecret,
              timeoutMs: 2000,
            });
          } catch {
            await new Promise((r) => setTimeout(r, 100));
          }
        }
        throw new Error(`step-ca did not answer: ${log}`);
      })();
      try {
        expect(await session.client.health()).toEqual({ status: 'ok' });
        const certs = certificateHandler({ shells: sim.shells, ca: async () => session });
        const cert = resource('cert.real', CERTIFICATE_KIND, {
          name: 'real',
          target: { kind: 'lxc' as const, node: 'pve', vmid: 101 },
          commonName: 'real.home.arpa',
          sans: ['real.home.arpa', 'step.home.arpa'],
          keyType: 'EC-P256' as const,
          duration: '24h',
          files: { cert: '/etc/real.crt', key: '/etc/real.key' },
          owner: 'root',
          group: 'root',
          keyMode: '0600',
          certMode: '0644',
          origin: 'test',
        });
        expect(await converge(certs, cert)).toBe('create');
        expect(await converge(certs, cert)).toBe('noop');
      } finally {
        await session.client.close();
      }
    } finally {
      if (child.exitCode === null && child.pid) child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
      rmSync(work, { recursive: true, force: true });
    }
  }, 60_000);
});
