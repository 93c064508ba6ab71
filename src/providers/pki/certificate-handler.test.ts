/**
 * The certificate handler end to end on the simulator: the guest is CT 101 behind the
 * simulator's real SSH server (pct exec / pct push), the CA is the simulated step-ca started
 * from the ca.json Phoenix generated. A test clock is shared by the handler and the CA so
 * short lifetimes can cross their renewal time without waiting.
 */
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StepCaClient } from '../../clients/stepca/client.ts';
import { openProvisioner } from '../../clients/stepca/ott.ts';
import { freePort } from '../../clients/ssh/_test-peers.ts';
import { startSimStepCa, type SimStepCa } from '../../sim/stepca/index.ts';
import { makeCaFixture, type CaFixture } from '../../../test/stepca/_ca-fixture.ts';
import { applyContext, converge, resource, startSimFixture, type SimFixture } from '../node/_sim-fixture.ts';
import type { ShellResolver } from '../node/resolver.ts';
import { certificateFacts, rootIssuesChain } from './certificate-facts.ts';
import {
  CERTIFICATE_KIND,
  certificateHandler,
  type CaSession,
  type CertificateDesired,
} from './certificate-handler.ts';

describe('pki.certificate on the simulator', () => {
  let fixture: CaFixture;
  let ca: SimStepCa;
  let sim: SimFixture;
  let clock = Date.now();
  const now = (): Date => new Date(clock);
  let session: CaSession;
  const commands: string[] = [];
  let shells: ShellResolver;

  beforeAll(async () => {
    fixture = await makeCaFixture({ port: await freePort(), claims: { defaultDuration: '24h', maxDuration: '720h' } });
    ca = await startSimStepCa({
      configPath: fixture.bundle.paths.config,
      passwordFile: fixture.bundle.paths.passwordFile,
      port: fixture.port,
      now,
    });
    sim = await startSimFixture({ 101: 'lxc' });
    // Record every command run in the guest (to count reloads), forwarding to the real shell.
    shells = (target) => {
      const shell = sim.shells(target);
      return {
        target: shell.target,
        exec: (argv, options) => {
          commands.push(argv.join(' '));
          return shell.exec(argv, options);
        },
        writeFile: (path, content, options) => {
          commands.push(`write ${path}`);
          return shell.writeFile(path, content, options);
        },
      };
    };
    const client = new StepCaClient({
      url: fixture.url,
      rootPem: fixture.bundle.material.rootCertPem,
      dial: { host: '127.0.0.1', port: fixture.port },
    });
    await client.verifyRoots(fixture.bundle.material.rootFingerprint);
    session = {
      client,
      signer: await openProvisioner('phoenix', fixture.bundle.provisioner.encryptedKey, fixture.provisionerPassword),
      rootFingerprint: fixture.bundle.material.rootFingerprint,
      rootPem: fixture.bundle.material.rootCertPem,
    };
    const lxc = sim.shells({ kind: 'lxc', node: 'pve', vmid: 101 });
    await lxc.exec(['mkdir', '-p', '/etc/nginx/tls']);
    await lxc.exec(['systemctl', 'start', 'nginx']);
  });

  afterAll(async () => {
    await session?.client.close();
    await ca?.stop();
    await sim?.close();
    if (fixture) rmSync(fixture.dir, { recursive: true, force: true });
  });

  const desired = (over: Partial<CertificateDesired> = {}): CertificateDesired => ({
    name: 'gateway',
    target: { kind: 'lxc', node: 'pve', vmid: 101 },
    commonName: 'gateway.home.arpa',
    sans: ['gateway.home.arpa', 'www.home.arpa', '10.10.0.11'],
    keyType: 'EC-P256',
    duration: '10m',
    files: { cert: '/etc/nginx/tls/gateway.crt', key: '/etc/nginx/tls/gateway.key' },
    owner: 'root',
    group: 'root',
    keyMode: '0600',
    certMode: '0644',
    reload: { service: 'nginx' },
    origin: 'certificates[0]',
    ...over,
  });

  const signs = (): number => ca.requests()['POST /sign'] ?? 0;
  const reloads = (): number => commands.filter((c) => c === 'systemctl reload nginx').length;

  it('issues, then does nothing before 2/3 of the lifetime, renews once after it (one sign, one reload), then is a no-op', async () => {
    const handler = certificateHandler({ shells, ca: async () => session, now, issuerFingerprint: undefined });
    const res = resource('cert.gateway', CERTIFICATE_KIND, desired());
    expect(await converge(handler, res)).toBe('create');
    expect(signs()).toBe(1);
    expect(reloads()).toBe(1);

    const lxc = sim.shells({ kind: 'lxc', node: 'pve', vmid: 101 });
    const certText = (await lxc.exec(['cat', '/etc/nginx/tls/gateway.crt'])).stdout;
    const stat = (await lxc.exec(['stat', '-c', '%a', '/etc/nginx/tls/gateway.key'])).stdout.trim();
    expect(stat).toBe('600');
    expect((await lxc.exec(['stat', '-c', '%a', '/etc/nginx/tls/gateway.crt'])).stdout.trim()).toBe('644');
    const facts = certificateFacts(certText);
    expect([...facts.sans].sort()).toEqual(['10.10.0.11', 'gateway.home.arpa', 'www.home.arpa']);
    // openssl accepts the installed chain against the generated root.
    const leafFile = join(fixture.dir, 'installed.pem');
    const intermediateFile = join(fixture.dir, 'int.pem');
    writeFileSync(leafFile, certText.split(/(?<=-----END CERTIFICATE-----\n)/)[0]!);
    writeFileSync(intermediateFile, fixture.bundle.material.intermediateCertPem);
    expect(
      execFileSync(
        'openssl',
        ['verify', '-CAfile', fixture.bundle.paths.root, '-untrusted', intermediateFile, leafFile],
        { encoding: 'utf8' },
      ),
    ).toMatch(/OK/);

    clock += 5 * 60_000; // 5 of 10 minutes: before 2/3
    expect(await converge(handler, res)).toBe('noop');
    expect(signs()).toBe(1);

    clock += 2 * 60_000; // 7 of 10 minutes: past 2/3
    const observed = (await handler.observe({ ctx: applyContext(), resource: res })).observed;
    const plan = await handler.diff({ resource: res, observed });
    expect(plan.action).toBe('update');
    expect(plan.reasons[0]).toMatch(/^renew: expires \d{4}-\d\d-\d\d \d\d:\d\d UTC, renew after 2\/3 of the lifetime$/);
    expect(await converge(handler, res)).toBe('update');
    expect(signs()).toBe(2);
    expect(reloads()).toBe(2);
    // The replaced serial is revoked.
    expect(ca.revokedSerials()).toEqual([facts.serial]);
    expect(await converge(handler, res)).toBe('noop');
    expect(signs()).toBe(2);
  });

  it('reissues when the names change, and says which', async () => {
    const handler = certificateHandler({ shells, ca: async () => session, now });
    const res = resource('cert.gateway', CERTIFICATE_KIND, desired({ sans: ['gateway.home.arpa', 'api.home.arpa'] }));
    const observed = (await handler.observe({ ctx: applyContext(), resource: res })).observed;
    const plan = await handler.diff({ resource: res, observed });
    expect(plan.reasons).toEqual(['reissue: names changed (+api.home.arpa -10.10.0.11 -www.home.arpa)']);
    expect(await converge(handler, res)).toBe('update');
    expect(await converge(handler, res)).toBe('noop');
  });

  it('CA stopped: plan still works and shows the expiry; issuing fails naming the CA endpoint and the certificate', async () => {
    const unreachable = new StepCaClient({
      url: fixture.url,
      rootPem: fixture.bundle.material.rootCertPem,
      dial: { host: '127.0.0.1', port: await freePort() },
      timeoutMs: 2000,
    });
    const handler = certificateHandler({ shells, ca: async () => ({ ...session, client: unreachable }), now });
    const res = resource('cert.gateway', CERTIFICATE_KIND, desired({ sans: ['gateway.home.arpa', 'api.home.arpa'] }));
    clock += 9 * 60_000;
    const observed = (await handler.observe({ ctx: applyContext(), resource: res })).observed;
    const plan = await handler.diff({ resource: res, observed });
    expect(plan.action).toBe('update');
    expect(plan.reasons[0]).toMatch(/^renew: expires /);
    const before = signs();
    await expect(converge(handler, res)).rejects.toThrow(
      new RegExp(
        `^certificate gateway \\(cert\\.gateway\\): step-ca ${fixture.url.replace(/[.]/g, '\\.')}/1\\.0/sign: unreachable`,
      ),
    );
    expect(signs()).toBe(before);
    await unreachable.close();
  });

  it('keeps no key material in what it returns (observe, diff, apply response)', async () => {
    const handler = certificateHandler({ shells, ca: async () => session, now });
    const res = resource(
      'cert.other',
      CERTIFICATE_KIND,
      desired({ name: 'other', files: { cert: '/etc/nginx/tls/o.crt', key: '/etc/nginx/tls/o.key' } }),
    );
    const ctx = applyContext();
    const notes: unknown[] = [];
    ctx.journal = { note: (n) => void notes.push(n) };
    const created = await handler.create({ ctx, resource: res, change: {} as never });
    const observed = (await handler.observe({ ctx, resource: res })).observed;
    const plan = await handler.diff({ resource: res, observed });
    const key = (await sim.shells({ kind: 'lxc', node: 'pve', vmid: 101 }).exec(['cat', '/etc/nginx/tls/o.key']))
      .stdout;
    expect(key).toMatch(/PRIVATE KEY/);
    const body = key.split('\n').slice(1, -2).join('');
    const everything = JSON.stringify([created, observed, plan, notes]);
    expect(everything).not.toContain('PRIVATE KEY');
    expect(everything).not.toContain(body.slice(0, 40));
    expect(everything).not.toContain(fixture.provisionerPassword);
    expect(everything).not.toContain(fixture.caPassword);
  });

  it('files.root: the internal root written next to the certificate (0644), only when missing or foreign, never with a reissue', async () => {
    const handler = certificateHandler({ shells, ca: async () => session, now });
    const files = { cert: '/etc/phoenix/certs/edge/fullchain.pem', key: '/etc/phoenix/certs/edge/key.pem' };
    const root = '/etc/phoenix/certs/root.pem';
    const res = resource('cert.edge', CERTIFICATE_KIND, desired({ name: 'edge', files: { ...files, root } }));
    const lxc = sim.shells({ kind: 'lxc', node: 'pve', vmid: 101 });
    const signed = signs();
    expect(await converge(handler, res)).toBe('create');
    expect(signs()).toBe(signed + 1);
    const rootText = (await lxc.exec(['cat', root])).stdout;
    expect(rootText).toBe(fixture.bundle.material.rootCertPem);
    expect((await lxc.exec(['stat', '-c', '%a', root])).stdout.trim()).toBe('644');
    expect(rootIssuesChain(rootText, (await lxc.exec(['cat', files.cert])).stdout)).toBe(true);
    const written = (): number => commands.filter((c) => c === `write ${root}`).length;
    expect(written()).toBe(1);
    expect(await converge(handler, res)).toBe('noop');

    // Removed out of band: planned as a root-only change, written back without a new certificate.
    await lxc.exec(['rm', '-f', root]);
    let plan = await handler.diff({
      resource: res,
      observed: (await handler.observe({ ctx: applyContext(), resource: res })).observed,
    });
    expect(plan).toMatchObject({ action: 'update', changes: [{ path: 'root', before: null, after: root }] });
    const serial = certificateFacts((await lxc.exec(['cat', files.cert])).stdout).serial;
    expect(await converge(handler, res)).toBe('update');
    expect(signs()).toBe(signed + 1);
    expect(certificateFacts((await lxc.exec(['cat', files.cert])).stdout).serial).toBe(serial);
    expect((await lxc.exec(['cat', root])).stdout).toBe(fixture.bundle.material.rootCertPem);

    // Another CA's root in its place is not "in sync": the leaf's own certificate does not issue the chain.
    await lxc.writeFile(
      root,
      (await lxc.exec(['cat', files.cert])).stdout.split(/(?<=-----END CERTIFICATE-----\n)/)[0]!,
      {
        mode: '0644',
      },
    );
    plan = await handler.diff({
      resource: res,
      observed: (await handler.observe({ ctx: applyContext(), resource: res })).observed,
    });
    expect(plan.changes).toEqual([{ path: 'root', before: 'another CA', after: root }]);
    expect(await converge(handler, res)).toBe('update');
    expect((await lxc.exec(['cat', root])).stdout).toBe(fixture.bundle.material.rootCertPem);
    const writes = written();
    expect(await converge(handler, res)).toBe('noop');
    expect(written()).toBe(writes);
    expect(signs()).toBe(signed + 1);
  });
});
