/**
 * E2E harness for `phoenix serve`: the daemon as a real child process (the CLI), a bare git
 * repository served by `git daemon` on loopback, the simulator over HTTP, and helpers to read
 * the daemon's API and its SSE stream.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../../src/clients/ssh/_test-peers.ts';
import { startGitDaemon, type GitDaemon } from '../../src/gitops/_test-git.ts';
import { startGitopsEnv, type GitopsTestEnv } from '../../src/gitops/_test-env.ts';
import { openStateStore } from '../../src/state/index.ts';

export const HOOK_SECRET = 'e2e-hook-secret';

export interface DaemonE2e {
  env: GitopsTestEnv;
  git: GitDaemon;
  url: string;
  token: string;
  output(): string;
  child(): ChildProcess;
  startDaemon(): Promise<void>;
  api<T>(path: string, init?: RequestInit): Promise<T>;
  /** Collected SSE events (type, data, receivedAt) since `startDaemon`. */
  events: { type: string; data: Record<string, unknown>; at: number }[];
  waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, ms: number): Promise<T>;
  cleanup(): Promise<void>;
}

export async function startDaemonE2e(gitops: string): Promise<DaemonE2e> {
  const port = await freePort();
  // The committed config reaches the simulator through env:PHOENIX_E2E_TOKEN.
  const holder: { env?: GitopsTestEnv } = {};
  const env = await startGitopsEnv({
    gitops: '',
  });
  holder.env = env;
  await env.commitConfig(
    (y) =>
      `${y}\nproxmox:\n  endpoint: ${env.sim.url}\n  tokenId: "${env.sim.tokenId}"\n  tokenSecret: env:PHOENIX_E2E_TOKEN\n${gitops}`,
    'point at the simulator',
  );
  const git = await startGitDaemon(env.repo.root);
  const store = openStateStore(env.statePath);
  const token = store.gitops.tokens.create('operate', 'e2e').token;
  store.close();
  const url = `http://127.0.0.1:${port}`;
  let proc: ChildProcess | undefined;
  let out = '';
  const events: DaemonE2e['events'] = [];
  let sse: AbortController | undefined;

  const api = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${token}`);
    const res = await fetch(`${url}${path}`, { ...init, headers });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };

  async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, ms: number): Promise<T> {
    const until = Date.now() + ms;
    for (;;) {
      const value = await Promise.resolve(check()).catch(() => undefined);
      if (value !== undefined && value !== false) return value;
      if (Date.now() > until)
        throw new Error(`timed out waiting for ${what}\n--- daemon output ---\n${out.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async function listen(): Promise<void> {
    sse?.abort();
    sse = new AbortController();
    const res = await fetch(`${url}/api/v1/events`, {
      headers: { authorization: `Bearer ${token}` },
      signal: sse.signal,
    });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    void (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          buffer += decoder.decode(value, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const type = /^event: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (type && data) events.push({ type, data: JSON.parse(data) as Record<string, unknown>, at: Date.now() });
          }
        }
      } catch {
        // aborted
      }
    })();
  }

  return {
    env,
    git,
    url,
    token,
    events,
    api,
    waitFor,
    output: () => out,
    child: () => proc!,
    async startDaemon() {
      // The installed entry point (the build), as a user runs it: its start-up tuning included.
      proc = spawn(
        process.execPath,
        [
          join(process.cwd(), 'bin', 'phoenix.js'),
          'serve',
          '--repo',
          git.url('origin.git'),
          '--branch',
          'main',
          '--path',
          'env',
          '--listen',
          `127.0.0.1:${port}`,
          '--state',
          env.statePath,
        ],
        {
          env: { ...process.env, PHOENIX_E2E_TOKEN: env.tokenSecret, PHOENIX_HOOK: HOOK_SECRET, NO_COLOR: '1' },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
      await waitFor('the daemon to listen', async () => (await fetch(`${url}/healthz`)).ok || undefined, 30_000);
      await listen();
    },
    async cleanup() {
      sse?.abort();
      if (proc && proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((r) => proc!.once('exit', r));
        proc.kill('SIGKILL');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      }
      await git.stop();
      await env.cleanup();
    },
  };
}
