/**
 * `startSimulator({ ssh })`: one SSH server per node, the generated client key and the pinned
 * host key work with Phoenix's real SSH client, files land in the node's tree, a wrong host key
 * is refused, and the host key survives a restart on the same data dir.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SshClient } from '../clients/ssh/ssh-client.ts';
import { generateEd25519KeyPair } from '../clients/ssh/keys.ts';
import { startSimulator, type RunningSimulator } from './index.ts';
import { connectionText, parseSimFlags } from './standalone.ts';

const running: RunningSimulator[] = [];
const dirs: string[] = [];
const clients: SshClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  for (const s of running.splice(0)) await s.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function client(sim: RunningSimulator, node: string, privateKey: string, fingerprint?: string): SshClient {
  const endpoint = sim.ssh?.[node];
  if (!endpoint) throw new Error(`no SSH endpoint for ${node}`);
  const c = new SshClient({
    host: endpoint.host,
    port: endpoint.port,
    username: 'root',
    privateKey,
    hostKey: { fingerprint: fingerprint ?? endpoint.hostKeyFingerprint },
    connectTimeoutMs: 5000,
  });
  clients.push(c);
  return c;
}

describe('startSimulator({ ssh })', () => {
  it('serves every node with the generated key and lands files in its tree', async () => {
    const sim = await startSimulator({
      tls: false,
      speed: 0,
      ssh: true,
      nodes: [
        { name: 'pve1', cores: 4, memoryMiB: 8192 },
        { name: 'pve2', cores: 4, memoryMiB: 8192 },
      ],
    });
    running.push(sim);
    expect(Object.keys(sim.ssh ?? {})).toEqual(['pve1', 'pve2']);
    expect(sim.ssh?.pve1?.hostKeyFingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    const key = sim.clientKey?.privateKey ?? '';
    const pve2 = client(sim, 'pve2', key);
    expect((await pve2.run(['mkdir', '-p', '/etc/phoenix'])).code).toBe(0);
    await pve2.writeFileAtomic('/etc/phoenix/hello', 'hi\n', { mode: '0600' });
    const tree = sim.nodeSide?.servers.pve2?.nodeTree;
    expect(readFileSync(tree?.resolve('/etc/phoenix/hello') ?? '', 'utf8')).toBe('hi\n');
    expect(existsSync(sim.nodeSide?.servers.pve1?.nodeTree.resolve('/etc/phoenix/hello') ?? '')).toBe(false);

    const dataDir = sim.nodeSide?.dataDir ?? '';
    await sim.stop();
    expect(existsSync(dataDir)).toBe(false);
  });

  it('refuses a wrong pinned host key and an unknown client key', async () => {
    const sim = await startSimulator({ tls: false, speed: 0, ssh: true });
    running.push(sim);
    const wrongPin = `SHA256:${'A'.repeat(43)}`;
    await expect(client(sim, 'pve', sim.clientKey?.privateKey ?? '', wrongPin).run(['true'])).rejects.toThrow(
      /host key/i,
    );
    await expect(client(sim, 'pve', generateEd25519KeyPair('other').private).run(['true'])).rejects.toThrow(/auth/i);
  });

  it('keeps host and client keys in the data dir across restarts; accepts given keys', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'phoenix-sim-ssh-'));
    dirs.push(dataDir);
    const first = await startSimulator({ tls: false, speed: 0, ssh: { dataDir } });
    const pin = first.ssh?.pve?.hostKeyFingerprint;
    const clientKey = first.clientKey?.privateKey;
    await first.stop();
    const mine = generateEd25519KeyPair('mine');
    const second = await startSimulator({ tls: false, speed: 0, ssh: { dataDir, authorizedKeys: [mine.public] } });
    running.push(second);
    expect(second.ssh?.pve?.hostKeyFingerprint).toBe(pin);
    expect(second.clientKey).toBeUndefined();
    expect((await client(second, 'pve', mine.private).run(['true'])).code).toBe(0);
    const third = await startSimulator({ tls: false, speed: 0, ssh: { dataDir } });
    running.push(third);
    expect(third.clientKey?.privateKey).toBe(clientKey);
  });
});

describe('phoenix sim --ssh', () => {
  it("prints each node's endpoint and host-key fingerprint, and the key file (not the key)", async () => {
    const options = { ...parseSimFlags({ http: true, port: '0', ssh: true, speed: '0' }, {}), authDelayMs: 0 };
    expect(options.ssh).toBe(true);
    const sim = await startSimulator(options);
    running.push(sim);
    const text = connectionText(sim, options);
    const pve = sim.ssh?.pve;
    expect(text).toContain(`ssh pve:      root@127.0.0.1 -p ${pve?.port}  ${pve?.hostKeyFingerprint}`);
    expect(text).toContain(`client key:   ${sim.clientKey?.privateKeyPath}`);
    expect(text).not.toContain('PRIVATE KEY');
  });

  it('rejects an authorized-keys file without keys', () => {
    const dir = mkdtempSync(join(tmpdir(), 'phoenix-sim-keys-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'keys'), '# none\n');
    expect(() => parseSimFlags({ sshAuthorizedKeys: join(dir, 'keys') }, {})).toThrow(/holds no key/);
  });
});
