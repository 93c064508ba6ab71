import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPeer } from '../clients/ssh/_test-peers.ts';
import { startGitopsEnv, type GitopsTestEnv } from '../gitops/_test-env.ts';
import type { openApiDocument } from './openapi.ts';
import { startDaemon, type RunningDaemon } from './daemon.ts';

const SECRET = 'hook-secret-for-tests';
let env: GitopsTestEnv;
let daemon: RunningDaemon;
let readToken: string;
let operateToken: string;

beforeAll(async () => {
  env = await startGitopsEnv({ gitops: 'gitops:\n  webhookSecret: env:PHOENIX_TEST_HOOK\n' });
  daemon = await startDaemon({
    repo: { url: env.repo.bare, branch: 'main', path: 'env' },
    listen: '127.0.0.1:0',
    statePath: env.statePath,
    endpoint: { url: env.sim.url, tokenId: env.sim.tokenId, tokenSecret: env.tokenSecret },
    env: { ...process.env, PHOENIX_TEST_HOOK: SECRET },
    intervalsMs: { poll: 3_600_000, selfHeal: 3_600_000 },
  });
  await daemon.firstRun;
  readToken = daemon.store.gitops.tokens.create('read').token;
  operateToken = daemon.store.gitops.tokens.create('operate').token;
});
afterAll(async () => {
  await daemon?.stop();
  await env?.cleanup();
});

function call(path: string, init: RequestInit & { token?: string } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('authorization', `Bearer ${init.token}`);
  return fetch(`${daemon.url}${path}`, { ...init, headers });
}

function runsCount(): number {
  return daemon.store.gitops.runs.list(500).length;
}

async function waitForRun(predicate: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('daemon API', () => {
  it('answers 401 without a token, 403 to a read token that tries to sync, 202 to operate', async () => {
    expect((await call('/api/v1/status')).status).toBe(401);
    expect((await call('/api/v1/status', { token: 'phx_not-a-token' })).status).toBe(401);
    const status = await call('/api/v1/status', { token: readToken });
    expect(status.status).toBe(200);
    const before = runsCount();
    const denied = await call('/api/v1/sync', { method: 'POST', token: readToken });
    expect(denied.status).toBe(403);
    expect(runsCount()).toBe(before);
    const ok = await call('/api/v1/sync?wait=true', { method: 'POST', token: operateToken });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { run: { outcome: string } }).run.outcome).toBe('in-sync');
  });

  it('serves rows equal to what the status adapter computed', async () => {
    const body = (await (await call('/api/v1/status', { token: readToken })).json()) as {
      rows: { address: string; sync: string }[];
    };
    expect(body.rows.filter((r) => r.address.startsWith('guest.')).map((r) => [r.address, r.sync])).toEqual([
      ['guest.201', 'in sync'],
      ['guest.202', 'in sync'],
    ]);
  });

  it.each([
    ['github', (b: string) => ({ 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${hmac(b)}` })],
    ['gitea', (b: string) => ({ 'x-gitea-event': 'push', 'x-gitea-signature': hmac(b) })],
    ['forgejo', (b: string) => ({ 'x-forgejo-event': 'push', 'x-forgejo-signature': hmac(b) })],
    ['gitlab', (_b: string) => ({ 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': SECRET })],
  ])(
    'a signed %s push starts a run; the same with a wrong signature gets 401 and starts nothing',
    async (_p, headers) => {
      const payload = JSON.stringify({ ref: 'refs/heads/main', after: 'abc' });
      const bad = JSON.stringify({ ref: 'refs/heads/main', after: 'abd' });
      const before = runsCount();
      // GitLab signs nothing: its check is the token; the others sign the body.
      const refused =
        _p === 'gitlab'
          ? await call('/hooks/git', {
              method: 'POST',
              body: payload,
              headers: { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': 'nope' },
            })
          : await call('/hooks/git', {
              method: 'POST',
              body: bad,
              headers: { ...headers(payload), 'content-type': 'application/json' },
            });
      expect(refused.status).toBe(401);
      await new Promise((r) => setTimeout(r, 100));
      expect(runsCount()).toBe(before);
      const started = Date.now();
      const accepted = await call('/hooks/git', { method: 'POST', body: payload, headers: headers(payload) });
      expect(accepted.status).toBe(202);
      await waitForRun(() => runsCount() > before, 2_000);
      expect(Date.now() - started).toBeLessThan(2_000);
      await waitForRun(() => !daemon.reconciler.snapshot().running, 10_000);
    },
  );

  it('refuses unsigned webhooks and ignores pushes to other branches', async () => {
    const before = runsCount();
    expect((await call('/hooks/git', { method: 'POST', body: '{"ref":"refs/heads/main"}' })).status).toBe(401);
    const other = JSON.stringify({ ref: 'refs/heads/feature' });
    const res = await call('/hooks/git', {
      method: 'POST',
      body: other,
      headers: { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${hmac(other)}` },
    });
    expect(res.status).toBe(200);
    expect(runsCount()).toBe(before);
  });

  it('protects browser sessions against CSRF', async () => {
    const login = await call('/api/v1/session', { method: 'POST', body: JSON.stringify({ token: operateToken }) });
    expect(login.status).toBe(200);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    expect(login.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict/);
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    expect((await call('/api/v1/status', { headers: { cookie } })).status).toBe(200);
    expect((await call('/api/v1/sync', { method: 'POST', headers: { cookie } })).status).toBe(403);
    const foreign = await call('/api/v1/sync', {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': csrfToken, origin: 'http://evil.example' },
    });
    expect(foreign.status).toBe(403);
    const same = await call('/api/v1/sync', { method: 'POST', headers: { cookie, 'x-csrf-token': csrfToken } });
    expect(same.status).toBe(202);
    await waitForRun(() => !daemon.reconciler.snapshot().running, 10_000);
  });

  it('serves an OpenAPI document that matches the routes and the answers', async () => {
    const doc = (await (await call('/api/openapi.json')).json()) as ReturnType<typeof openApiDocument> & {
      paths: Record<
        string,
        Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>
      >;
      components: { schemas: Record<string, unknown> };
    };
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    const routed = daemon.server.routes.filter((r) => r.documented).map((r) => `${r.method} ${r.path}`);
    expect(new Set(documented)).toEqual(new Set(routed));
    const ajv = new Ajv({ strict: false });
    ajv.addSchema({ $id: 'doc', components: doc.components });
    const check = async (path: string, method: string, res: Response) => {
      const schema = doc.paths[path]?.[method]?.responses[String(res.status)]?.content?.['application/json']?.schema;
      expect(schema, `${method} ${path} ${res.status} is documented`).toBeDefined();
      const validate = ajv.compile(
        JSON.parse(JSON.stringify(schema).replaceAll('"#/components', '"doc#/components')) as object,
      );
      const body = (await res.json()) as unknown;
      expect(validate(body), `${method} ${path}: ${JSON.stringify(validate.errors)}`).toBe(true);
    };
    for (const path of ['/api/v1/status', '/api/v1/plan', '/api/v1/history', '/api/v1/certificates', '/healthz']) {
      await check(path, 'get', await call(path, { token: readToken }));
    }
    const run = daemon.store.gitops.runs.list(1)[0]!;
    await check('/api/v1/history/{id}', 'get', await call(`/api/v1/history/${run.id}`, { token: readToken }));
    await check('/api/v1/history/{id}', 'get', await call('/api/v1/history/nope', { token: readToken }));
    await check('/api/v1/status', 'get', await call('/api/v1/status'));
    await check('/api/v1/session', 'get', await call('/api/v1/session'));
    await check('/api/v1/sync', 'post', await call('/api/v1/sync', { method: 'POST', token: readToken }));
    await check(
      '/api/v1/plans/{id}/approve',
      'post',
      await call('/api/v1/plans/nope/approve', { method: 'POST', token: operateToken }),
    );
    await check(
      '/api/v1/plans/{id}/reject',
      'post',
      await call('/api/v1/plans/nope/reject', { method: 'POST', token: operateToken }),
    );
    await check('/api/v1/sync', 'post', await call('/api/v1/sync?wait=true', { method: 'POST', token: operateToken }));
  });

  it('streams events over SSE', async () => {
    const controller = new AbortController();
    const res = await call('/api/v1/events', { token: readToken, signal: controller.signal });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    void call('/api/v1/sync', { method: 'POST', token: operateToken });
    let text = '';
    const until = Date.now() + 10_000;
    while (!text.includes('event: run.finished') && Date.now() < until) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    controller.abort();
    expect(text).toMatch(/event: run.started\ndata: \{/);
    expect(text).toContain('event: run.finished');
  });

  it('exports metrics that promtool accepts', async () => {
    // One certificate past its renewal time, one not: expiry and renewal per certificate.
    const now = Date.now();
    const cert = { serial: '1', subject: 'CN=x', issuer: 'CN=ca', fingerprint: 'ab', status: 'active' as const };
    daemon.store.certificates.put({
      ...cert,
      name: 'cert.due',
      pem: 'x',
      notBefore: now - 1e6,
      notAfter: now + 3_600_000,
      renewAt: now - 1000,
    });
    daemon.store.certificates.put({
      ...cert,
      name: 'cert.fresh',
      pem: 'x',
      notBefore: now,
      notAfter: now + 86_400_000,
      renewAt: now + 43_200_000,
    });
    const res = await call('/metrics', { token: readToken });
    expect(res.status).toBe(200);
    const text = await res.text();
    daemon.store.certificates.remove('cert.due');
    daemon.store.certificates.remove('cert.fresh');
    expect(text).toContain('phoenix_resources{kind="proxmox.guest",sync="in sync",health="healthy"} 2');
    // Health per provider and per resource, the last outcome, apply and run durations.
    expect(text).toContain('phoenix_provider_healthy{provider="proxmox"} 1');
    expect(text).toMatch(/phoenix_provider_resources\{provider="pve-host",health="healthy"\} \d+/);
    expect(text).toContain('phoenix_resource_healthy{provider="proxmox",kind="proxmox.guest",address="guest.201"} 1');
    expect(text).toContain('phoenix_resource_in_sync{provider="proxmox",kind="proxmox.guest",address="guest.202"} 1');
    expect(text).toMatch(/phoenix_last_sync_outcome\{outcome="(succeeded|in-sync)"\} 1/);
    expect(text).toMatch(/phoenix_apply_duration_seconds_count\{kind="proxmox.guest",outcome="created"\} [1-9]/);
    expect(text).toMatch(/phoenix_sync_duration_seconds_count\{trigger="startup"\} 1/);
    expect(text).toMatch(/phoenix_certificate_expiry_seconds\{name="cert.due"\} 3[56]\d\d/);
    expect(text).toContain('phoenix_certificate_renewal_due{name="cert.due"} 1');
    expect(text).toContain('phoenix_certificate_renewal_due{name="cert.fresh"} 0');
    expect(text).toMatch(/process_resident_memory_bytes [1-9]\d{6,}/);
    expect(text).toMatch(/nodejs_heap_space_size_bytes\{space="new_space"\} \d+/);
    expect(text).toMatch(/phoenix_upstream_requests_total\{system="proxmox",method="GET",code="2xx"\} \d+/);
    expect(text).toContain('phoenix_reconcile_queue_depth 0');
    const promtool = findPeer('/usr/bin/promtool');
    if (!promtool) return;
    const dir = mkdtempSync(join(tmpdir(), 'phoenix-metrics-'));
    try {
      writeFileSync(join(dir, 'metrics.txt'), text);
      const out = execFileSync('sh', [
        '-c',
        `${promtool} check metrics < ${join(dir, 'metrics.txt')} 2>&1; echo "exit=$?"`,
      ]).toString();
      expect(out.trim()).toBe('exit=0');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rate-limits failed authentication per client', async () => {
    let last = 0;
    for (let i = 0; i < 12; i++) last = (await call('/api/v1/status', { token: `phx_wrong${i}` })).status;
    expect(last).toBe(429);
    // Even a good token waits out the window: guessing cannot continue in parallel.
    const blocked = await call('/api/v1/status', { token: readToken });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

function hmac(body: string): string {
  return createHmac('sha256', SECRET).update(body).digest('hex');
}
