import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SshClient } from '../../clients/ssh/ssh-client.ts';
import { generateKeyPair } from '../../clients/ssh/_test-peers.ts';
import { startSimSshServer, type SimSshServer } from './server.ts';

const key = generateKeyPair();
const guests = { guestExists: () => false, guestRunning: () => false };
let dataDir: string | undefined;
const servers: SimSshServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('simulator SSH server', () => {
  it('keeps its host key across restarts (pins stay valid)', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'phoenix-simssh-key-'));
    const first = await startSimSshServer({ dataDir, node: 'pve', authorizedKeys: [key.publicKey], guests });
    await first.close();
    const second = await startSimSshServer({ dataDir, node: 'pve', authorizedKeys: [key.publicKey], guests });
    servers.push(second);
    expect(second.fingerprint).toBe(first.fingerprint);
    expect(second.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(second.knownHostsLine).toMatch(new RegExp(`^\\[127\\.0\\.0\\.1\\]:${second.port} ssh-ed25519 `));
  });

  it('accepts only the configured user', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'phoenix-simssh-user-'));
    const server = await startSimSshServer({ dataDir, node: 'pve', authorizedKeys: [key.publicKey], guests });
    servers.push(server);
    const as = (username: string) =>
      new SshClient({
        host: server.host,
        port: server.port,
        username,
        privateKey: key.privateKey,
        hostKey: { fingerprint: server.fingerprint },
      });
    const root = as('root');
    const admin = as('admin');
    try {
      expect((await root.exec(['true'])).code).toBe(0);
      await expect(admin.exec(['true'])).rejects.toMatchObject({ code: 'E_SSH_AUTH' });
    } finally {
      await root.close();
      await admin.close();
    }
  });
});
