/**
 * The dialer over SSH against real peers: OpenSSH on loopback forwards a `direct-tcpip` channel
 * on Phoenix's node connection to the real step-ca (or, where step-ca cannot be built, a TLS
 * server with the same internal root); TLS is verified end to end against the root Phoenix
 * generated, a CA with another root is refused through the tunnel as it is directly, and a
 * refused tunnel names host:port and the node.
 */
import 'reflect-metadata';
import { rmSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DialError, DialHttpsAgent, routedDial, tunnelDial, type Dial } from '../../src/clients/dial/dialer.ts';
import { SshClient } from '../../src/clients/ssh/ssh-client.ts';
import { fingerprintOf } from '../../src/clients/ssh/host-key.ts';
import {
  findPeer,
  freePort,
  generateKeyPair,
  startOpenSsh,
  type OpenSshPeer,
} from '../../src/clients/ssh/_test-peers.ts';
import { StepCaClient, pemFingerprint } from '../../src/clients/stepca/client.ts';
import { generateCaMaterial } from '../../src/providers/pki/ca-material.ts';
import { makeCaFixture, type CaFixture } from './_ca-fixture.ts';
import { buildStepCa, startRealStepCa, type RealStepCa } from './_real-step-ca.ts';

const sshd = findPeer('/usr/sbin/sshd');
const clientKey = generateKeyPair('phoenix-dialer');

describe.skipIf(!sshd)('dialer: SSH tunnel through the node to the real step-ca', () => {
  let peer: OpenSshPeer;
  let ssh: SshClient;
  let fixture: CaFixture;
  let ca: RealStepCa | undefined;
  let tunnel: Dial;
  let forwarded = 0;

  beforeAll(async () => {
    peer = await startOpenSsh(sshd as string, clientKey.publicKey);
    ssh = new SshClient({
      host: '127.0.0.1',
      port: peer.port,
      username: 'root',
      privateKey: clientKey.privateKey,
      hostKey: { fingerprint: fingerprintOf(Buffer.from(peer.hostPublicKey.split(/\s+/)[1] as string, 'base64')) },
    });
    const binary = await buildStepCa();
    fixture = await makeCaFixture({ port: await freePort() });
    if (!binary) throw new Error('step-ca cannot be built here (scripts/build-step-ca.sh)');
    ca = await startRealStepCa({
      binary,
      configPath: fixture.bundle.paths.config,
      passwordFile: fixture.bundle.paths.passwordFile,
      port: fixture.port,
      logFile: join(fixture.dir, 'step-ca.log'),
    });
    tunnel = tunnelDial({
      name: 'node pve1',
      forwardOut: (host, port) => {
        forwarded += 1;
        return ssh.forwardOut(host, port);
      },
    });
  }, 300_000);

  afterAll(async () => {
    await ca?.stop();
    await ssh?.close();
    await peer?.stop();
    if (fixture) rmSync(fixture.dir, { recursive: true, force: true });
  });

  it('reaches step-ca through the tunnel with TLS verified against the internal root', async () => {
    const before = forwarded;
    const client = new StepCaClient({
      // The logical name in the CA's dnsNames; the bytes go to 127.0.0.1 from the node's side.
      url: fixture.url,
      rootPem: fixture.bundle.material.rootCertPem,
      dialer: (_host, port) => tunnel('127.0.0.1', port),
    });
    try {
      expect(await client.health()).toEqual({ status: 'ok' });
      await client.verifyRoots(pemFingerprint(fixture.bundle.material.rootCertPem));
      expect(forwarded).toBeGreaterThan(before);
    } finally {
      await client.close();
    }
    expect(ssh.connectCount).toBe(1);
  });

  it('refuses, through the tunnel, a CA whose certificate does not chain to the trusted root', async () => {
    const other = await generateCaMaterial({ caName: 'Some Other CA', password: 'x' });
    const client = new StepCaClient({
      url: fixture.url,
      rootPem: other.rootCertPem,
      dialer: (_host, port) => tunnel('127.0.0.1', port),
    });
    try {
      const error = await client.health().catch((e: unknown) => e as Error);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(
        /unreachable \((UNABLE_TO_GET_ISSUER_CERT_LOCALLY|UNABLE_TO_VERIFY_LEAF_SIGNATURE)\)/,
      );
    } finally {
      await client.close();
    }
  });

  it('a refused tunnel names host:port and the node, and the CA client passes that on', async () => {
    const closed = await freePort();
    const error = await tunnel('127.0.0.1', closed).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DialError);
    expect((error as DialError).code).toBe('E_DIAL_TUNNEL');
    expect((error as DialError).message).toContain(`127.0.0.1:${closed}`);
    expect((error as DialError).message).toContain('node pve1');
    expect((error as DialError).message).toMatch(/refused/i);

    const client = new StepCaClient({
      url: `https://ca.home.arpa:${closed}`,
      rootPem: fixture.bundle.material.rootCertPem,
      dialer: (_host, port) => tunnel('127.0.0.1', port),
    });
    try {
      const failed = (await client.health().catch((e: unknown) => e)) as Error;
      expect(failed.message).toContain(`https://ca.home.arpa:${closed}/health`);
      expect(failed.message).toContain(`127.0.0.1:${closed}`);
      expect(failed.message).toContain('node pve1');
    } finally {
      await client.close();
    }
    // The node connection survives a refused channel.
    expect((await ssh.exec(['true'])).code).toBe(0);
  });

  it('node:https clients (dockerode) use the same dial through DialHttpsAgent', async () => {
    const agent = new DialHttpsAgent((_host, port) => tunnel('127.0.0.1', port));
    const body = await new Promise<string>((resolve, reject) => {
      const request = httpsGet(
        { host: 'ca.home.arpa', port: fixture.port, path: '/health', agent, ca: fixture.bundle.material.rootCertPem },
        (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString()));
          response.on('end', () => resolve(text));
        },
      );
      request.on('error', reject);
      request.setTimeout(10_000, () => request.destroy(new Error('timeout')));
    });
    expect(JSON.parse(body)).toEqual({ status: 'ok' });
  });

  it('routedDial goes direct for routable hosts and through the tunnel otherwise', async () => {
    const used: string[] = [];
    const dial = routedDial({
      routable: (host) => host === '127.0.0.1',
      direct: async (host, port) => {
        used.push(`direct ${host}:${port}`);
        return tunnel('127.0.0.1', port); // any stream: only the choice is checked here
      },
      tunnel: async (host, port) => {
        used.push(`tunnel ${host}:${port}`);
        return tunnel('127.0.0.1', port);
      },
    });
    (await dial('127.0.0.1', fixture.port)).destroy();
    (await dial('10.0.0.103', fixture.port)).destroy();
    expect(used).toEqual([`direct 127.0.0.1:${fixture.port}`, `tunnel 10.0.0.103:${fixture.port}`]);
    const none = routedDial({ routable: () => false });
    await expect(none('10.0.0.103', 443)).rejects.toThrow(/10\.0\.0\.103:443.*not routable.*no SSH tunnel/);
  });
});
