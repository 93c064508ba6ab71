import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import type { TLSSocket } from 'node:tls';
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
  it('never serves plain HTTP on a non-loopback address: without a CA in the config it never listens', async () => {
    await expect(startDaemon({ ...options(), listen: 'nonsense' })).rejects.toMatchObject({ code: 'E_LISTEN' });
    // Off loopback the default is a certificate from the internal CA; this config declares none.
    const daemon = await startDaemon({ ...options(), listen: '0.0.0.0:0' });
    try {
      await expect(daemon.listening).rejects.toMatchObject({ code: 'E_DAEMON_TLS_NO_CA' });
      expect(daemon.url).toBe('');
    } finally {
      await daemon.stop();
    }
  });

  it('takes a renewed certificate for new connections without a restart', async () => {
    if (!openssl) return;
    const make = (name: string) => {
      execFileSync(
        openssl,
        ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1']
          .concat(['-subj', `/CN=${name}`, '-addext', 'subjectAltName=IP:127.0.0.1'])
          .concat(['-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.crt`)]),
        { stdio: 'ignore' },
      );
      return {
        cert: readFileSync(join(dir, `${name}.crt`), 'utf8'),
        key: readFileSync(join(dir, `${name}.key`), 'utf8'),
      };
    };
    const first = make('first');
    const second = make('second');
    const daemon = await startDaemon({ ...options(), listen: '127.0.0.1:0', tls: first });
    const subject = (ca: string) =>
      new Promise<string>((resolve, reject) => {
        const req = request(`${daemon.url}/healthz`, { ca, agent: false }, (res) => {
          res.resume();
          resolve(String((res.socket as TLSSocket).getPeerCertificate().subject.CN));
        });
        req.on('error', reject);
        req.end();
      });
    try {
      expect(await subject(first.cert)).toBe('first');
      daemon.server.setCertificate(second);
      expect(await subject(second.cert)).toBe('second');
      await expect(subject(first.cert)).rejects.toThrow(/self-signed|verify|certificate/i);
    } finally {
      await daemon.stop();
    }
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
