import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FIXTURE, startGitopsEnv, type GitopsTestEnv } from '../../gitops/_test-env.ts';
import { startDaemon, type RunningDaemon } from '../../server/daemon.ts';
import { openStateStore } from '../../gitops/store.ts';
import { main } from '../main.ts';

let env: GitopsTestEnv;
let daemon: RunningDaemon;

beforeAll(async () => {
  env = await startGitopsEnv();
  daemon = await startDaemon({
    repo: { url: env.repo.bare, branch: 'main', path: 'env' },
    listen: '127.0.0.1:0',
    statePath: env.statePath,
    endpoint: { url: env.sim.url, tokenId: env.sim.tokenId, tokenSecret: env.tokenSecret },
    intervalsMs: { poll: 3_600_000, selfHeal: 3_600_000 },
  });
  await daemon.firstRun;
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await daemon?.stop();
  await env?.cleanup();
});

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((c) => ((out += String(c)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((c) => ((err += String(c)), true));
  process.exitCode = undefined;
  try {
    const code = await main(args);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.exitCode = undefined;
  }
}

describe('daemon commands', () => {
  it('token create prints a token once and stores only its hash', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'phoenix-token-'));
    try {
      const state = join(dir, 'state.db');
      const created = await run(['token', 'create', '--scope', 'read', '--state', state]);
      expect(created.code).toBe(0);
      const token = created.out.trim();
      expect(token).toMatch(/^phx_/);
      expect(created.err).toMatch(/shown only this once/);
      const store = openStateStore(state);
      expect(store.gitops.tokens.verify(token)?.scope).toBe('read');
      store.close();
      const bad = await run(['token', 'create', '--scope', 'admin', '--state', state]);
      expect(bad.code).toBe(1);
      expect(bad.err).toMatch(/unknown scope 'admin'/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sync --wait and history talk to the running daemon; a read token cannot sync', async () => {
    const operate = daemon.store.gitops.tokens.create('operate').token;
    const read = daemon.store.gitops.tokens.create('read').token;
    vi.stubEnv('PHOENIX_TOKEN', operate);
    await env.commitConfig((y) => y.replace('memory: 512', 'memory: 600'));
    const synced = await run(['sync', '--wait', '--url', daemon.url]);
    expect(synced.err).toBe('');
    expect(synced.code).toBe(0);
    expect(synced.out).toMatch(/^succeeded at [0-9a-f]{12} in /);
    expect(synced.out).toContain('guest.201: updated');
    const history = await run(['history', '--url', daemon.url]);
    expect(history.code).toBe(0);
    expect(history.out.split('\n')[0]).toMatch(/^STARTED\s+TRIGGER\s+REVISION\s+OUTCOME/);
    expect(history.out).toMatch(/api\s+[0-9a-f]{12}\s+succeeded/);
    vi.stubEnv('PHOENIX_TOKEN', read);
    const denied = await run(['sync', '--url', daemon.url]);
    expect(denied.code).toBe(1);
    expect(denied.err).toMatch(/403.*operate/);
    vi.stubEnv('PHOENIX_TOKEN', '');
    const none = await run(['history', '--url', daemon.url]);
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/no API token/);
  });

  it('serve --tls internal-ca without a CA in the config: exits 1 with the reason, never listens plain', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'phoenix-serve-tls-'));
    try {
      const state = join(dir, 'state.db');
      const bogus = await run(['serve', '-c', FIXTURE, '--tls', 'sometimes', '--state', state]);
      expect(bogus.code).toBe(1);
      expect(bogus.err).toMatch(/--tls 'sometimes' is not auto, internal-ca or off/);
      const served = await run([
        'serve',
        '-c',
        FIXTURE,
        '--listen',
        '127.0.0.1:0',
        '--tls',
        'internal-ca',
        '--state',
        state,
      ]);
      expect(served.code).toBe(1);
      expect(served.err).toContain('waiting for the internal CA to issue the daemon certificate');
      expect(served.err).toMatch(/no internal CA is declared/);
      expect(served.err).not.toContain('phoenix serve listening');
      expect(served.err).not.toMatch(/\n\s+at /); // no stack trace
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
