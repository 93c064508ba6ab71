/**
 * What Traefik will do: a real ACME client (Debian's lego) obtains a certificate over http-01
 * from the ACME provisioner Phoenix configured, on the real step-ca started from the ca.json
 * Phoenix generated. The identifier resolves through a dnsmasq we start to a loopback address
 * of its own (127.0.11.x: no clash with anything else on port 80); everything stays on lo.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPeer, freePort } from '../../src/clients/ssh/_test-peers.ts';
import { makeCaFixture, type CaFixture } from './_ca-fixture.ts';
import { startDnsmasq, type Dnsmasq } from './_dnsmasq.ts';
import { buildStepCa, startRealStepCa, type RealStepCa } from './_real-step-ca.ts';

const lego = findPeer('/usr/bin/lego');
const dnsmasqBinary = findPeer('/usr/sbin/dnsmasq');

describe.skipIf(!lego || !dnsmasqBinary)(
  'lego obtains a certificate from the ACME provisioner on the real step-ca',
  () => {
    let fixture: CaFixture;
    let ca: RealStepCa | undefined;
    let dns: Dnsmasq | undefined;
    const challengeIp = `127.0.11.${10 + Math.floor(Math.random() * 200)}`;
    const domain = 'app.home.arpa';

    beforeAll(async () => {
      const binary = await buildStepCa();
      if (!binary) return;
      fixture = await makeCaFixture({ port: await freePort() });
      dns = await startDnsmasq(dnsmasqBinary!, fixture.dir, await freePort(), 'home.arpa', {
        [domain]: challengeIp,
        'ca.home.arpa': '127.0.0.1',
      });
      ca = await startRealStepCa({
        binary,
        configPath: fixture.bundle.paths.config,
        passwordFile: fixture.bundle.paths.passwordFile,
        port: fixture.port,
        logFile: join(fixture.dir, 'step-ca.log'),
        resolver: `127.0.0.1:${dns.port}`,
      });
    });

    afterAll(async () => {
      await ca?.stop();
      await dns?.stop();
      if (fixture) rmSync(fixture.dir, { recursive: true, force: true });
    });

    it('http-01: issued, chain verifies with openssl, SANs are the requested name', async ({ skip }) => {
      if (!ca) return skip();
      const path = join(fixture.dir, 'lego');
      mkdirSync(path);
      const rootFile = join(fixture.dir, 'root.pem');
      writeFileSync(rootFile, fixture.bundle.material.rootCertPem);
      const args = [
        '--server',
        `https://127.0.0.1:${fixture.port}/acme/acme/directory`,
        '--accept-tos',
        '--email',
        'ops@home.arpa',
        '--domains',
        domain,
        '--http',
        '--http.port',
        `${challengeIp}:80`,
        '--path',
        path,
        'run',
      ];
      const child = spawn(lego!, args, {
        env: { ...process.env, LEGO_CA_CERTIFICATES: rootFile },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      // A challenge the CA cannot reach stays pending while lego keeps polling: bound the wait.
      const code = await new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          resolve(null);
        }, 60_000);
        child.once('exit', (exitCode) => {
          clearTimeout(timer);
          resolve(exitCode);
        });
      });
      expect(code, `lego output:\n${output}\nstep-ca log:\n${ca.log()}`).toBe(0);
      const certFile = join(path, 'certificates', `${domain}.crt`);
      expect(existsSync(certFile)).toBe(true);
      const chain = readFileSync(certFile, 'utf8');
      const leafPem = chain.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/)![0];
      writeFileSync(join(fixture.dir, 'acme-leaf.pem'), leafPem);
      writeFileSync(join(fixture.dir, 'intermediate.pem'), fixture.bundle.material.intermediateCertPem);
      const verdict = execFileSync(
        'openssl',
        [
          'verify',
          '-CAfile',
          rootFile,
          '-untrusted',
          join(fixture.dir, 'intermediate.pem'),
          join(fixture.dir, 'acme-leaf.pem'),
        ],
        { encoding: 'utf8' },
      );
      expect(verdict).toMatch(/: OK/);
      const leaf = new X509Certificate(leafPem);
      expect(leaf.subjectAltName).toBe(`DNS:${domain}`);
      expect(leaf.subject).toBe(`CN=${domain}`);
    }, 90_000);
  },
);
