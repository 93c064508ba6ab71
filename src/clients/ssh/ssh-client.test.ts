import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimSshServer } from '../../sim/ssh/server.ts';
import { fingerprintOf } from './host-key.ts';
import { SshClient, type SshClientOptions } from './ssh-client.ts';
import { findPeer, generateKeyPair, startCuttingRelay, startOpenSsh } from './_test-peers.ts';

interface Peer {
  port: number;
  knownHosts: string;
  fingerprint: string;
  /** Absolute path on the peer where this test may write. */
  workDir: string;
  /** The bytes of a file on the peer, read out of band (not through the client). */
  peek(path: string): Buffer | undefined;
  /** Directory entries on the peer, read out of band. */
  list(dir: string): string[];
  stop(): Promise<void>;
}

const clientKey = generateKeyPair('phoenix-client');
const sshdPath = findPeer('/usr/sbin/sshd');
const sshKeygen = findPeer('/usr/bin/ssh-keygen');

async function simPeer(): Promise<Peer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'phoenix-simssh-'));
  const server = await startSimSshServer({
    dataDir,
    node: 'pve',
    authorizedKeys: [clientKey.publicKey],
    guests: { guestExists: () => false, guestRunning: () => false },
  });
  return {
    port: server.port,
    knownHosts: `${server.knownHostsLine}\n`,
    fingerprint: server.fingerprint,
    workDir: '/etc/phoenix-test',
    list: (dir) => readdirSync(server.nodeTree.resolve(dir)),
    peek: (path) => {
      try {
        return readFileSync(server.nodeTree.resolve(path));
      } catch {
        return undefined;
      }
    },
    stop: async () => {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function openSshPeer(): Promise<Peer> {
  const peer = await startOpenSsh(sshdPath as string, clientKey.publicKey);
  const [type, b64] = peer.hostPublicKey.split(/\s+/);
  const workDir = mkdtempSync(join(tmpdir(), 'phoenix-sshd-work-'));
  return {
    port: peer.port,
    knownHosts: `[127.0.0.1]:${peer.port} ${type} ${b64}\n`,
    fingerprint: fingerprintOf(Buffer.from(b64 as string, 'base64')),
    workDir,
    list: (dir) => readdirSync(dir),
    peek: (path) => {
      try {
        return readFileSync(path);
      } catch {
        return undefined;
      }
    },
    stop: async () => {
      await peer.stop();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}

const peers: [string, () => Promise<Peer>, boolean][] = [
  ['simulator SSH server', simPeer, true],
  ['OpenSSH sshd', openSshPeer, sshdPath !== undefined],
];

describe.each(peers)('SshClient against the %s', (name, start, available) => {
  let peer: Peer;
  const clients: SshClient[] = [];
  const client = (overrides: Partial<SshClientOptions> = {}): SshClient => {
    const made = new SshClient({
      host: '127.0.0.1',
      port: peer.port,
      username: 'root',
      privateKey: clientKey.privateKey,
      hostKey: { knownHosts: peer.knownHosts },
      retryDelayMs: 20,
      ...overrides,
    });
    clients.push(made);
    return made;
  };

  beforeAll(async () => {
    if (available) peer = await start();
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await peer?.stop();
  });

  it.skipIf(!available)(
    'writes a file atomically with mode and owner, and reads it back over one connection',
    async () => {
      const ssh = client();
      await ssh.run(['mkdir', '-p', peer.workDir]);
      const path = `${peer.workDir}/a.conf`;
      await ssh.writeFileAtomic(path, 'hello = "world"\n', { mode: '0640', owner: 'nobody', group: 'nogroup' });
      expect((await ssh.readFile(path))?.toString()).toBe('hello = "world"\n');
      const stat = await ssh.run(['stat', '-c', '%a %U %G', path]);
      expect(stat.stdout.trim()).toBe('640 nobody nogroup');
      expect(await ssh.readFile(`${peer.workDir}/missing`)).toBeUndefined();
      expect(peer.peek(path)?.toString()).toBe('hello = "world"\n');
      expect(ssh.connectCount).toBe(1);
    },
  );

  it.skipIf(!available)('round-trips binary content byte for byte', async () => {
    const ssh = client();
    await ssh.run(['mkdir', '-p', peer.workDir]);
    const bytes = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 151) % 256));
    await ssh.writeFileAtomic(`${peer.workDir}/blob.bin`, bytes);
    expect((await ssh.readFile(`${peer.workDir}/blob.bin`))?.equals(bytes)).toBe(true);
    expect(peer.peek(`${peer.workDir}/blob.bin`)?.equals(bytes)).toBe(true);
  });

  it.skipIf(!available)('reports non-zero exit codes with stderr', async () => {
    const result = await client().exec(['cat', '/nonexistent/phoenix']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('No such file or directory');
  });

  it.skipIf(!available)('accepts a pinned fingerprint and a hashed known_hosts entry', async () => {
    await client({ hostKey: { fingerprint: peer.fingerprint } }).run(['test', '-e', '/']);
    if (!sshKeygen) return;
    const dir = mkdtempSync(join(tmpdir(), 'phoenix-kh-'));
    try {
      writeFileSync(join(dir, 'known_hosts'), peer.knownHosts);
      execFileSync(sshKeygen, ['-H', '-f', join(dir, 'known_hosts')], { stdio: 'ignore' });
      const hashed = readFileSync(join(dir, 'known_hosts'), 'utf8');
      expect(hashed.startsWith('|1|')).toBe(true);
      await client({ hostKey: { knownHosts: hashed } }).run(['test', '-e', '/']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!available)('refuses a wrong or unknown host key with a clear error', async () => {
    const other = generateKeyPair('someone-else').publicKey.split(/\s+/);
    const wrongKnownHosts = `[127.0.0.1]:${peer.port} ${other[0]} ${other[1]}\n`;
    await expect(client({ hostKey: { knownHosts: wrongKnownHosts } }).exec(['true'])).rejects.toMatchObject({
      code: 'E_SSH_HOST_KEY_MISMATCH',
      message: expect.stringContaining('does not match'),
    });
    await expect(
      client({ hostKey: { knownHosts: 'otherhost ssh-ed25519 AAAA\n' } }).exec(['true']),
    ).rejects.toMatchObject({
      code: 'E_SSH_HOST_KEY_UNKNOWN',
    });
    await expect(
      client({ hostKey: { fingerprint: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } }).exec(['true']),
    ).rejects.toMatchObject({
      code: 'E_SSH_HOST_KEY_MISMATCH',
      detail: `the server presented ${peer.fingerprint}`,
    });
  });

  it.skipIf(!available)('rejects a key that is not authorized, without retrying', async () => {
    const stranger = generateKeyPair('stranger');
    await expect(
      client({ privateKey: stranger.privateKey }).exec(['true'], { idempotent: true }),
    ).rejects.toMatchObject({
      code: 'E_SSH_AUTH',
    });
  });

  it.skipIf(!available)('a connection dropped mid-upload is retried and never leaves a half-written file', async () => {
    const setup = client();
    await setup.run(['mkdir', '-p', peer.workDir]);
    const path = `${peer.workDir}/big.bin`;
    const oldContent = 'old\n'.repeat(1000);
    await setup.writeFileAtomic(path, oldContent);
    const newContent = Buffer.alloc(3 * 1024 * 1024, 'n').toString();
    const relay = await startCuttingRelay(peer.port, 1024 * 1024);
    try {
      const viaRelay = client({ port: relay.port, hostKey: { fingerprint: peer.fingerprint }, maxAttempts: 3 });
      await viaRelay.writeFileAtomic(path, newContent, { mode: '0600' });
      expect(relay.cut()).toBe(true);
      expect(viaRelay.connectCount).toBe(2);
      expect(peer.peek(path)?.toString()).toBe(newContent);
      // The cut attempt's temp file was removed by the attempt that succeeded.
      expect(peer.list(peer.workDir).filter((name) => name.startsWith('.big.bin.phoenix-'))).toEqual([]);
    } finally {
      await relay.close();
    }
  });

  it.skipIf(!available)('without retries the drop is reported and the old file stays whole', async () => {
    const setup = client();
    await setup.run(['mkdir', '-p', peer.workDir]);
    const path = `${peer.workDir}/keep.bin`;
    await setup.writeFileAtomic(path, 'old\n');
    const relay = await startCuttingRelay(peer.port, 512 * 1024);
    try {
      const viaRelay = client({ port: relay.port, hostKey: { fingerprint: peer.fingerprint }, maxAttempts: 1 });
      await expect(viaRelay.writeFileAtomic(path, 'x'.repeat(2 * 1024 * 1024))).rejects.toMatchObject({
        code: 'E_SSH_TRANSPORT',
      });
      expect(relay.cut()).toBe(true);
      expect(peer.peek(path)?.toString()).toBe('old\n');
    } finally {
      await relay.close();
    }
  });
});

describe.skipIf(!sshdPath)('SshClient command timeout (OpenSSH)', () => {
  it('times out a command that runs too long', async () => {
    const peer = await openSshPeer();
    const ssh = new SshClient({
      host: '127.0.0.1',
      port: peer.port,
      username: 'root',
      privateKey: clientKey.privateKey,
      hostKey: { fingerprint: peer.fingerprint },
    });
    try {
      await expect(ssh.exec(['sleep', '5'], { timeoutMs: 300 })).rejects.toMatchObject({ code: 'E_SSH_TIMEOUT' });
    } finally {
      await ssh.close();
      await peer.stop();
    }
  });
});
