/**
 * The node target against a real OpenSSH sshd and the real tools behind it (GNU stat, sha256sum,
 * dpkg-query of this Debian machine): the output formats the simulator imitates are checked here.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshClient } from '../../clients/ssh/ssh-client.ts';
import { fingerprintOf } from '../../clients/ssh/host-key.ts';
import { findPeer, generateKeyPair, startOpenSsh, type OpenSshPeer } from '../../clients/ssh/_test-peers.ts';
import { applyContext, converge, resource } from './_sim-fixture.ts';
import { FILE_KIND, fileHandler } from './file.ts';
import { observePackages } from './packages.ts';
import { shellResolver } from './resolver.ts';
import { nodeShell } from './shell.ts';

const sshd = findPeer('/usr/sbin/sshd');

describe.skipIf(!sshd)('node target over a real OpenSSH server', () => {
  let peer: OpenSshPeer;
  let ssh: SshClient;
  let dir: string;
  beforeAll(async () => {
    const key = generateKeyPair();
    peer = await startOpenSsh(sshd as string, key.publicKey);
    ssh = new SshClient({
      host: '127.0.0.1',
      port: peer.port,
      username: 'root',
      privateKey: key.privateKey,
      hostKey: { fingerprint: fingerprintOf(Buffer.from(peer.hostPublicKey.split(/\s+/)[1] as string, 'base64')) },
    });
    dir = mkdtempSync(join(tmpdir(), 'phoenix-node-real-'));
  });
  afterAll(async () => {
    await ssh?.close();
    await peer?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('manages a file: create, no-op, drift after an out-of-band edit, repair', async () => {
    const handler = fileHandler(shellResolver({ node: () => ssh }));
    const path = join(dir, 'managed.conf');
    const res = resource('file.real', FILE_KIND, {
      target: { kind: 'node', node: 'pve' } as const,
      path,
      content: 'listen 80;\n',
      mode: '0640',
      owner: 'root',
      group: 'daemon',
    });
    expect(await converge(handler, res)).toBe('create');
    expect(await converge(handler, res)).toBe('noop');
    writeFileSync(path, 'listen 8080;\n');
    const { observed } = await handler.observe({ ctx: applyContext(), resource: res });
    expect((await handler.diff({ resource: res, observed })).changes.map((c) => c.path)).toEqual(['content']);
    expect(await converge(handler, res)).toBe('update');
    expect(readFileSync(path, 'utf8')).toBe('listen 80;\n');
  });

  it('reads package state with the real dpkg-query', async () => {
    const shell = nodeShell('pve', ssh);
    expect(await observePackages(shell, ['openssh-server', 'phoenix-no-such-package'])).toEqual(['openssh-server']);
  });
});
