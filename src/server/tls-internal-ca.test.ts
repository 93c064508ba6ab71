/**
 * `--tls internal-ca`: the daemon gets its certificate from the environment's own step-ca (the
 * homelab example on the built-in simulator, whose CA guest runs the simulated step-ca that
 * signs real certificates), listens only once it has one, serves HTTPS that verifies against
 * the CA's root, keeps it for the next start, and exports its expiry.
 */
import { X509Certificate } from 'node:crypto';
import { appendFileSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAEMON_CERTIFICATE } from '../gitops/daemon-certificate.ts';
import { startDaemon, type RunningDaemon } from './daemon.ts';

let dir: string;
let configDir: string;
let statePath: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'phoenix-daemon-ca-'));
  configDir = join(dir, 'homelab');
  cpSync(join(process.cwd(), 'examples', 'homelab'), configDir, { recursive: true });
  appendFileSync(join(configDir, 'phoenix.yaml'), '\ngitops:\n  pollInterval: 3600\n  selfHeal: { enabled: false }\n');
  statePath = join(configDir, '.phoenix', 'state.db');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The root the CA guest holds (the simulator keeps guest files under simulator.json.d). */
function caRoot(): string {
  const guests = join(configDir, '.phoenix', 'simulator.json.d', 'guests');
  for (const vmid of readdirSync(guests)) {
    const file = join(guests, vmid, 'root', 'etc', 'step-ca', 'certs', 'root_ca.crt');
    try {
      return readFileSync(file, 'utf8');
    } catch {
      // not the CA guest
    }
  }
  throw new Error('no root_ca.crt in the simulated guests');
}

function get(
  url: string,
  ca: string,
  token?: string,
): Promise<{ status: number; body: string; peer: X509Certificate }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      const peer = new X509Certificate((res.socket as TLSSocket).getPeerCertificate().raw);
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, peer }));
    });
    req.on('error', reject);
    req.end();
  });
}

const start = (): Promise<RunningDaemon> =>
  startDaemon({
    configDir,
    listen: '127.0.0.1:0',
    statePath,
    tls: 'internal-ca',
    env: {},
    log: (m, f) => (process.env.PHOENIX_TEST_LOG ? console.log(m, f) : undefined),
    intervalsMs: { poll: 3_600_000, selfHeal: 3_600_000 },
  });

describe('the daemon certificate from the internal step-ca (and the tracked certificates)', () => {
  it('listens only with a CA-issued certificate, serves verifiable HTTPS, keeps it across restarts', async () => {
    let daemon = await start();
    let serial: string;
    try {
      expect(daemon.url).toBe(''); // not listening before the CA exists
      const url = await daemon.listening;
      expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const root = caRoot();
      const health = await get(`${url}/healthz`, root);
      expect(health.status).toBe(200);
      // Issued by the environment's CA for the listen address; the key stays private.
      expect(health.peer.checkIP('127.0.0.1')).toBe('127.0.0.1');
      expect(health.peer.issuer).toMatch(/Intermediate/i);
      const record = daemon.store.certificates.get(DAEMON_CERTIFICATE);
      expect(record?.serial).toBe(BigInt(`0x${health.peer.serialNumber}`).toString(10));
      expect(record?.pem).not.toMatch(/PRIVATE KEY/);
      expect(statSync(join(configDir, '.phoenix', 'daemon-tls', 'key.pem')).mode & 0o777).toBe(0o600);
      serial = record!.serial;
      const token = daemon.store.gitops.tokens.create('read').token;
      const metrics = await get(`${url}/metrics`, root, token);
      expect(metrics.body).toMatch(/phoenix_certificate_expiry_seconds\{name="daemon.api"\} [1-9]\d+/);
      expect(metrics.body).toContain('phoenix_certificate_renewal_due{name="daemon.api"} 0');
      // The environment's certificates are tracked from what the plan observed (no extra reads).
      const tracked = daemon.store.certificates.list();
      const edge = tracked.find((c) => c.name === 'cert.gateway-edge');
      expect(edge?.notAfter).toBeGreaterThan(Date.now());
      expect(edge?.renewAt).toBeLessThan(edge!.notAfter);
      expect(tracked.map((c) => c.name)).toEqual(expect.arrayContaining(['cert.traefik-internal', DAEMON_CERTIFICATE]));
      expect(metrics.body).toMatch(/phoenix_certificate_expiry_seconds\{name="cert.gateway-edge"\} [1-9]\d+/);
      const api = JSON.parse((await get(`${url}/api/v1/certificates`, root, token)).body) as {
        certificates: { name: string }[];
      };
      expect(api.certificates.map((c) => c.name)).toContain('cert.gateway-edge');
      // Plain HTTP on that port gets no answer from the API.
      await expect(fetch(url.replace('https:', 'http:') + '/healthz')).rejects.toThrow();
    } finally {
      await daemon.stop();
    }
    // A restart listens at once with the kept certificate: no new issuance.
    daemon = await start();
    try {
      const url = await daemon.listening;
      const again = await get(`${url}/healthz`, caRoot());
      expect(BigInt(`0x${again.peer.serialNumber}`).toString(10)).toBe(serial);
      await daemon.firstRun;
      expect(daemon.store.certificates.get(DAEMON_CERTIFICATE)?.serial).toBe(serial);
    } finally {
      await daemon.stop();
    }
  }, 120_000);
});
