import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from './index.ts';

const running: RunningSimulator[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const sim of running.splice(0)) await sim.stop();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'phoenix-sim-'));
  dirs.push(dir);
  return dir;
}

async function start(options: Parameters<typeof startSimulator>[0]): Promise<RunningSimulator> {
  const sim = await startSimulator({ speed: 0, ...options });
  running.push(sim);
  return sim;
}

function peerFingerprint(url: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), rejectUnauthorized: false }, () => {
      resolve(socket.getPeerX509Certificate()?.fingerprint256 ?? '');
      socket.end();
    });
    socket.on('error', reject);
  });
}

describe('startSimulator', () => {
  it('serves HTTPS with a self-signed certificate whose SHA-256 fingerprint it reports', async () => {
    const sim = await start({});
    expect(sim.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(sim.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(await peerFingerprint(sim.url)).toBe(sim.fingerprint);
    // Verified TLS (the default) refuses the self-signed certificate.
    await expect(fetch(`${sim.url}/api2/json/version`)).rejects.toThrow();
  });

  it('persists the cluster, users and the token to the state file and reloads them', async () => {
    const statePath = join(tempDir(), 'sim.json');
    const first = await start({ tls: false, statePath, persistDelayMs: 10 });
    const headers = { Authorization: `PVEAPIToken=${first.token}` };
    const created = await fetch(`${first.url}/api2/json/access/users`, {
      method: 'POST',
      headers,
      body: new URLSearchParams({ userid: 'kept@pve' }),
    });
    expect(created.status).toBe(200);
    await first.stop();
    expect(statSync(statePath).mode & 0o777).toBe(0o600);
    expect(readFileSync(statePath, 'utf8')).not.toContain(first.rootPassword);

    const second = await start({ tls: false, statePath });
    expect(second.token).toBe(first.token);
    const users = await fetch(`${second.url}/api2/json/access/users`, { headers });
    const data = ((await users.json()) as { data: Array<{ userid: string }> }).data;
    expect(data.map((u) => u.userid)).toContain('kept@pve');
  });

  it('writes a JSON-lines request log with secrets redacted', async () => {
    const logFile = join(tempDir(), 'requests.jsonl');
    const sim = await start({ tls: false, logFile, rootPassword: 'hunter22' });
    await fetch(`${sim.url}/api2/json/access/ticket`, {
      method: 'POST',
      body: new URLSearchParams({ username: 'root@pam', password: 'hunter22' }),
    });
    await fetch(`${sim.url}/api2/json/nodes`, { headers: { Authorization: `PVEAPIToken=${sim.token}` } });
    const lines = readFileSync(logFile, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);
    const [login, nodes] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(login).toMatchObject({ method: 'POST', path: '/api2/json/access/ticket', status: 200 });
    expect(login?.['params']).toEqual({ username: 'root@pam', password: '**********' });
    expect(nodes).toMatchObject({ route: '/nodes', status: 200, user: 'root@pam!phoenix' });
    expect(typeof nodes?.['durationMs']).toBe('number');
    expect(readFileSync(logFile, 'utf8')).not.toContain('hunter22');
  });
});
