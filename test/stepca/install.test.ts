/**
 * step-ca installed from a declared binary URL by the real tools (curl, sha256sum, install) run
 * through Phoenix's node shell over real OpenSSH; the URL is served from loopback (the cached
 * step-ca build), never from outside. A checksum mismatch installs nothing and leaves nothing.
 * The installed binary then runs the CA Phoenix generated, and the health gate (through the
 * SSH tunnel) passes only for the root Phoenix generated.
 */
import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tunnelDial } from '../../src/clients/dial/dialer.ts';
import { fingerprintOf } from '../../src/clients/ssh/host-key.ts';
import { SshClient } from '../../src/clients/ssh/ssh-client.ts';
import {
  findPeer,
  freePort,
  generateKeyPair,
  startOpenSsh,
  type OpenSshPeer,
} from '../../src/clients/ssh/_test-peers.ts';
import { nodeShell, type TargetShell } from '../../src/providers/node/shell.ts';
import { generateCaMaterial } from '../../src/providers/pki/ca-material.ts';
import { caHealthCheck } from '../../src/providers/pki/index.ts';
import { installSource, installStepCa, observeInstall, type StepCaInstall } from '../../src/providers/pki/install.ts';
import { healthGate, type StepCaDesired } from '../../src/providers/pki/step-ca-handler.ts';
import { makeCaFixture, type CaFixture } from './_ca-fixture.ts';
import { buildStepCa, startRealStepCa, type RealStepCa } from './_real-step-ca.ts';

const sshd = findPeer('/usr/sbin/sshd');
const clientKey = generateKeyPair('phoenix-install');

function leftovers(): string[] {
  return readdirSync('/tmp').filter((name) => name.startsWith('.phoenix-step-ca-'));
}

describe.skipIf(!sshd)('step-ca from a declared binary URL (real curl/sha256sum over real OpenSSH)', () => {
  let peer: OpenSshPeer;
  let ssh: SshClient;
  let shell: TargetShell;
  let server: Server;
  let base: string;
  let binary: Buffer;
  let prefix: string;
  let fixture: CaFixture;
  let ca: RealStepCa | undefined;
  const requests: string[] = [];

  beforeAll(async () => {
    const built = await buildStepCa();
    if (!built) throw new Error('step-ca cannot be built here (scripts/build-step-ca.sh)');
    binary = readFileSync(built);
    peer = await startOpenSsh(sshd as string, clientKey.publicKey);
    ssh = new SshClient({
      host: '127.0.0.1',
      port: peer.port,
      username: 'root',
      privateKey: clientKey.privateKey,
      hostKey: { fingerprint: fingerprintOf(Buffer.from(peer.hostPublicKey.split(/\s+/)[1] as string, 'base64')) },
    });
    shell = nodeShell('pve1', ssh);
    server = createServer((request, response) => {
      requests.push(request.url ?? '');
      if (request.url === '/step-ca') response.end(binary);
      else if (request.url === '/tampered') response.end(Buffer.concat([binary, Buffer.from('x')]));
      else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    prefix = mkdtempSync(join(tmpdir(), 'phoenix-install-'));
  }, 300_000);

  afterAll(async () => {
    await ca?.stop();
    await ssh?.close();
    await peer?.stop();
    await new Promise((resolve) => server?.close(resolve));
    if (prefix) rmSync(prefix, { recursive: true, force: true });
    if (fixture) rmSync(fixture.dir, { recursive: true, force: true });
  });

  const checksum = (): string => `sha256:${createHash('sha256').update(binary).digest('hex')}`;

  it('a download whose checksum differs is refused: nothing installed, nothing left behind', async () => {
    const before = leftovers();
    const paths = {
      binary: join(prefix, 'bad/usr/local/bin/step-ca'),
      stamp: join(prefix, 'bad/var/lib/step-ca.source'),
    };
    const install: StepCaInstall = { kind: 'binary', url: `${base}/tampered`, checksum: checksum() };
    const error = (await installStepCa(shell, install, paths, 'stepca.103').catch((e: unknown) => e)) as Error & {
      code: string;
      resource: string;
    };
    expect(error.code).toBe('E_STEPCA_CHECKSUM');
    expect(error.resource).toBe('stepca.103');
    expect(error.message).toContain(`${base}/tampered has sha256:`);
    expect(error.message).toContain(`declares ${checksum()}: not installed`);
    expect(existsSync(paths.binary)).toBe(false);
    expect(existsSync(`${paths.binary}.phoenix-new`)).toBe(false);
    expect(existsSync(paths.stamp)).toBe(false);
    expect(leftovers()).toEqual(before);
    expect(await observeInstall(shell, install, paths)).toBeNull();
  });

  it('installs the verified binary (0755, stamped); observing it again matches, so nothing is downloaded twice', async () => {
    const paths = {
      binary: join(prefix, 'usr/local/bin/step-ca'),
      stamp: join(prefix, 'var/lib/phoenix/step-ca.source'),
    };
    const install: StepCaInstall = { kind: 'binary', url: `${base}/step-ca`, checksum: checksum() };
    const downloads = requests.length;
    await installStepCa(shell, install, paths);
    expect(requests.length).toBe(downloads + 1);
    expect(statSync(paths.binary).mode & 0o777).toBe(0o755);
    expect(readFileSync(paths.binary).equals(binary)).toBe(true);
    expect(await observeInstall(shell, install, paths)).toBe(installSource(install));
    expect(leftovers()).toEqual([]);
  });

  it('the installed step-ca runs the CA Phoenix generated; the health gate (through the tunnel) accepts only that root', async () => {
    fixture = await makeCaFixture({ port: await freePort() });
    ca = await startRealStepCa({
      binary: join(prefix, 'usr/local/bin/step-ca'),
      configPath: fixture.bundle.paths.config,
      passwordFile: fixture.bundle.paths.passwordFile,
      port: fixture.port,
      logFile: join(fixture.dir, 'step-ca.log'),
    });
    const desired = {
      target: { kind: 'node', node: 'pve1' },
      baseDir: join(fixture.dir, 'step'),
      dnsNames: ['ca.home.arpa', '127.0.0.1'],
      url: fixture.url,
      provisionerName: 'phoenix',
      provisionerPasswordRef: 'env:PROV',
      service: 'step-ca',
    } as StepCaDesired;
    let tunnels = 0;
    const check = caHealthCheck({
      shells: () => shell,
      resolveSecret: async () => fixture.provisionerPassword,
      dialer: () =>
        tunnelDial({
          name: 'node pve1',
          forwardOut: (host, port) => {
            tunnels += 1;
            return ssh.forwardOut(host, port);
          },
        }),
    });
    await healthGate(check, desired, fixture.bundle.material.rootCertPem, 20_000);
    expect(tunnels).toBeGreaterThan(0);

    const other = await generateCaMaterial({ caName: 'Not Ours', password: 'x' });
    const started = Date.now();
    const refused = (await healthGate(check, desired, other.rootCertPem, 20_000).catch((e: unknown) => e)) as Error & {
      code: string;
    };
    expect(refused.code).toBe('E_STEPCA_ROOT_MISMATCH');
    expect(Date.now() - started).toBeLessThan(10_000); // refused at once, not retried until the deadline

    await ca.stop();
    const down = (await healthGate(check, desired, fixture.bundle.material.rootCertPem, 1_500).catch(
      (e: unknown) => e,
    )) as Error & { code: string };
    expect(down.code).toBe('E_STEPCA_HEALTH');
    expect(down.message).toContain(`${fixture.url}/health`);
    expect(down.message).toContain(`127.0.0.1:${fixture.port}`);
    expect(down.message).toContain('node pve1');
  });
});
