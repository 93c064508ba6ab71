/**
 * `phoenix serve` figures, on the compiled CLI (dist/) as a child process, against the
 * simulator and a real git repository:
 * - webhook -> apply start: a signed push webhook POSTed right after a commit, until the SSE
 *   stream says the first resource started applying (p50/p95 of 20). Target p95 <= 500 ms.
 * - idle RSS after the runs (target <= 120 MB) and idle CPU over 10 s between polls.
 * - dashboard first load in Chromium (navigation to rows rendered) and its transfer size.
 */
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';

import { freePort } from '../src/clients/ssh/_test-peers.ts';
import { startGitopsEnv } from '../src/gitops/_test-env.ts';
import { openStateStore } from '../src/state/index.ts';
import type { Benchmark, BenchResult } from './types.ts';

const SECRET = 'bench-hook-secret';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(fields[11]) + Number(fields[12]);
}

function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Math.round(Number(kb) / 1024);
}

export const benchmark: Benchmark = {
  name: 'daemon',
  async run(): Promise<BenchResult[]> {
    if (!existsSync('dist/cli/main.js')) throw new Error('dist/ is missing: run `npm run build` first');
    const env = await startGitopsEnv();
    await env.commitConfig(
      (y) =>
        `${y}\nproxmox:\n  endpoint: ${env.sim.url}\n  tokenId: "${env.sim.tokenId}"\n  tokenSecret: env:PHOENIX_BENCH_TOKEN\ngitops:\n  pollInterval: 3600\n  selfHeal: { interval: 3600 }\n  webhookSecret: env:PHOENIX_BENCH_HOOK\n`,
    );
    const store = openStateStore(env.statePath);
    const token = store.gitops.tokens.create('operate').token;
    store.close();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const child = spawn(
      process.execPath,
      [
        'bin/phoenix.js',
        'serve',
        '--repo',
        env.repo.bare,
        '--branch',
        'main',
        '--path',
        'env',
        '--listen',
        `127.0.0.1:${port}`,
        '--state',
        env.statePath,
      ],
      { env: { ...process.env, PHOENIX_BENCH_TOKEN: env.tokenSecret, PHOENIX_BENCH_HOOK: SECRET }, stdio: 'ignore' },
    );
    const sse = new AbortController();
    try {
      for (let i = 0; i < 400; i++) {
        if ((await fetch(`${url}/healthz`).catch(() => undefined))?.ok) break;
        await sleep(50);
      }
      const auth = { authorization: `Bearer ${token}` };
      for (let i = 0; i < 400; i++) {
        const s = (await (await fetch(`${url}/api/v1/status`, { headers: auth })).json()) as {
          lastSync: unknown;
          running: boolean;
        };
        if (s.lastSync && !s.running) break;
        await sleep(50);
      }
      const rssAfterStartup = rssMb(child.pid!);
      // SSE listener: time of each `resource.applying`.
      const applying: number[] = [];
      const res = await fetch(`${url}/api/v1/events`, { headers: auth, signal: sse.signal });
      const reader = res.body!.getReader();
      void (async () => {
        const decoder = new TextDecoder();
        try {
          for (;;) {
            const { value, done } = await reader.read();
            if (done) return;
            const text = decoder.decode(value);
            if (text.includes('event: resource.applying')) applying.push(performance.now());
          }
        } catch {
          // aborted
        }
      })();
      const latencies: number[] = [];
      for (let i = 0; i < 20; i++) {
        const mib = 512 + 64 * ((i % 4) + 1);
        const rev = await env.commitConfig((y) =>
          y.replace(/(name: app1\n(?:\s+\w+: .*\n)*?\s+memory: )\d+/, `$1${mib}`),
        );
        const body = JSON.stringify({ ref: 'refs/heads/main', after: rev });
        const signature = createHmac('sha256', SECRET).update(body).digest('hex');
        const seen = applying.length;
        const posted = performance.now();
        await fetch(`${url}/hooks/git`, {
          method: 'POST',
          body,
          headers: { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${signature}` },
        });
        for (let w = 0; w < 400 && applying.length === seen; w++) await sleep(2);
        if (applying.length > seen) latencies.push((applying[seen] ?? posted) - posted);
        // Until the run has finished (bounded: 30 s on a loaded machine), so the next commit
        // starts a new run and the idle figures below are taken while really idle.
        for (let w = 0; w < 1500; w++) {
          const s = (await (await fetch(`${url}/api/v1/status`, { headers: auth })).json()) as {
            running: boolean;
            queueDepth?: number;
          };
          if (!s.running && !s.queueDepth) break;
          await sleep(20);
        }
      }
      latencies.sort((a, b) => a - b);
      await sleep(3_000);
      const rss = rssMb(child.pid!);
      const ticksPerSecond = 100;
      const before = cpuTicks(child.pid!);
      await sleep(10_000);
      const idleCpu = ((cpuTicks(child.pid!) - before) / ticksPerSecond / 10) * 100;

      const results: BenchResult[] = [
        {
          name: 'webhook-to-apply-start.p95',
          value: Math.round(pct(latencies, 95)),
          unit: 'ms',
          target: { op: '<=', value: 500 },
          details: {
            p50: Math.round(pct(latencies, 50)),
            max: Math.round(latencies.at(-1) ?? 0),
            samples: latencies.length,
          },
        },
        {
          name: 'idle-rss',
          value: rss,
          unit: 'MB',
          target: { op: '<=', value: 120 },
          details: { afterFirstApply: rssAfterStartup, after: '20 webhook-driven applies, then 3 s idle' },
        },
        { name: 'idle-cpu', value: Math.round(idleCpu * 100) / 100, unit: '% of one core over 10 s' },
      ];
      const chromiumPath = '/usr/bin/chromium';
      if (existsSync(chromiumPath)) {
        const { chromium } = await import('playwright-core');
        const browser = await chromium.launch({
          executablePath: chromiumPath,
          args: [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
          ],
        });
        try {
          const login = await fetch(`${url}/api/v1/session`, { method: 'POST', body: JSON.stringify({ token }) });
          const sid = /phoenix_session=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')?.[1] ?? '';
          const context = await browser.newContext();
          await context.addCookies([{ name: 'phoenix_session', value: sid, url }]);
          const page = await context.newPage();
          const started = performance.now();
          await page.goto(url);
          await page.waitForSelector('#resources tbody tr');
          const firstLoad = performance.now() - started;
          const bytes = (await page.evaluate(
            `performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource')).reduce((n, e) => n + (e.transferSize || 0), 0)`,
          )) as number;
          results.push(
            {
              name: 'dashboard-first-load',
              value: Math.round(firstLoad),
              unit: 'ms',
              details: { until: 'resource rows rendered (loopback)' },
            },
            {
              name: 'dashboard-transfer',
              value: Math.round(bytes / 1024),
              unit: 'KiB',
              details: { note: 'HTML, JS, CSS and the first API answers, uncompressed' },
            },
          );
        } finally {
          await browser.close();
        }
      }
      return results;
    } finally {
      sse.abort();
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
      await env.cleanup();
    }
  },
};
