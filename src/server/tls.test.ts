import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPeer } from '../clients/ssh/_test-peers.ts';
import { startGitopsEnv, type GitopsTestEnv } from '../gitops/_test-env.ts';
import { startDaemon } from './daemon.ts';

let env: GitopsTestEnv;
let dir: string;
const openssl = findPeer('/usr/bin/openssl');

beforeAll(async () => {
  env = await startGitopsEnv();
  dir = mkdtempSync(join(tmpdir(), 'phoenix-tls-'));
});
afterAll(async () => {
  await env?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const options = () => ({
  repo: { url: env.repo.bare, branch: 'main', path: 'env' },
  statePath: env.statePath,
  endpoint: { url: env.sim.url, tokenId: env.sim.tokenId, tokenSecret: env.tokenSecret },
  intervalsMs: { poll: 3_600_000, selfHeal: 3_600_000 },
});

describe('where the daemon listens', () => {
  it('refuses plain HTTP on a non-loopback address', async () => {
    await expect(startDaemon({ ...options(), listen: '0.0.0.0:0' })).rejects.toMatchObject({ code: 'E_LISTEN_TLS' });
    await expect(startDaemon({ ...options(), listen: 'nonsense' })).rejects.toMatchObject({ code: 'E_LISTEN' });
  });

  it('serves HTTPS with the given certificate, and marks session cookies Secure', async () => {
    if (!openssl) return;
    execFileSync(
      openssl,
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=phoenix-test',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    const cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    const daemon = await startDaemon({
      ...options(),
      listen: '127.0.0.1:0',
      tls: { cert, key: readFileSync(join(dir, 'key.pem'), 'utf8') },
    });
    try {
      await daemon.firstRun;
      expect(daemon.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const token = daemon.store.gitops.tokens.create('read').token;
      const answer = await new Promise<{ status: number; cookie: string }>((resolve, reject) => {
        const req = request(`${daemon.url}/api/v1/session`, { method: 'POST', ca: cert }, (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, cookie: String(res.headers['set-cookie'] ?? '') });
        });
        req.on('error', reject);
        req.end(JSON.stringify({ token }));
      });
      expect(answer.status).toBe(200);
      expect(answer.cookie).toMatch(/; Secure/);
    } finally {
      await daemon.stop();
    }
  });
});
