/**
 * The dashboard in a real browser (Debian's Chromium driven by playwright-core): loads with no
 * console error, shows every guest in the topology, rows equal `phoenix status --json`, drift
 * appears live through SSE, approving a held plan applies it, axe-core finds no serious
 * accessibility violation (light and dark). Screenshots go to test-artifacts/dashboard/.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPeer } from '../../src/clients/ssh/_test-peers.ts';
import { startGitopsEnv, type GitopsTestEnv } from '../../src/gitops/_test-env.ts';
import { startDaemon, type RunningDaemon } from '../../src/server/daemon.ts';

const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'dashboard');
const chromiumPath = findPeer('/usr/bin/chromium');
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let env: GitopsTestEnv;
let daemon: RunningDaemon;
let browser: Browser | undefined;
let page: Page;
const consoleErrors: string[] = [];

/** `phoenix status --json` (the one status model: a row per resource of every kind). */
async function statusJson(
  configDir: string,
): Promise<{ ok: boolean; rows: { address: string; kind: string; sync: string }[] }> {
  const code = `import(${JSON.stringify(join(process.cwd(), 'src/cli/main.ts'))}).then(async (m) => { process.exitCode = await m.main(process.argv.slice(1)); })`;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', '-e', code, 'status', '-c', configDir, '--json', '--state', join(env.dir, 'cli-state.db')],
    { env: { ...process.env, PHOENIX_E2E_TOKEN: env.tokenSecret, NO_COLOR: '1' } },
  ).catch((e: { stdout: string }) => ({ stdout: e.stdout }));
  return JSON.parse(stdout) as never;
}

async function rowsOnPage(): Promise<[string, string][]> {
  return page.$$eval('#resources tbody tr', (trs) =>
    trs.map(
      (tr) =>
        [tr.getAttribute('data-address') ?? '', tr.querySelectorAll('td')[4]?.textContent ?? ''] as [string, string],
    ),
  );
}

function syncCell(address: string, text: string) {
  return page.locator(`#resources tbody tr[data-address="${address}"] td:nth-child(5)`, {
    hasText: new RegExp(`^${text}$`),
  });
}

async function axe(label: string): Promise<void> {
  // Evaluated through DevTools: the page's own CSP (script-src 'self') stays in force.
  await page.evaluate(`${axeSource}\n;0`);
  const result = (await page.evaluate('axe.run()')) as {
    violations: { id: string; impact: string; nodes: { target: string[] }[] }[];
  };
  const serious = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${label}: ${v.id} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

beforeAll(async () => {
  if (!chromiumPath) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  env = await startGitopsEnv();
  await env.commitConfig(
    (y) =>
      `${y}\nproxmox:\n  endpoint: ${env.sim.url}\n  tokenId: "${env.sim.tokenId}"\n  tokenSecret: env:PHOENIX_E2E_TOKEN\ngitops:\n  selfHeal: { enabled: false }\n`,
  );
  daemon = await startDaemon({
    repo: { url: env.repo.bare, branch: 'main', path: 'env' },
    listen: '127.0.0.1:0',
    statePath: env.statePath,
    env: { ...process.env, PHOENIX_E2E_TOKEN: env.tokenSecret },
    intervalsMs: { poll: 3_600_000, selfHeal: 3_600_000 },
  });
  await daemon.firstRun;
  browser = await chromium.launch({
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
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await daemon?.stop();
  await env?.cleanup();
});

describe.skipIf(!chromiumPath)('dashboard (Chromium)', () => {
  it('logs in, shows the topology and rows equal to `phoenix status --json`, with no a11y violation', async () => {
    await page.goto(daemon.url);
    await page.waitForSelector('#token');
    await axe('login');
    const token = daemon.store.gitops.tokens.create('operate', 'browser').token;
    await page.fill('#token', token);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#resources tbody tr');
    for (const name of ['app1', 'app2']) {
      expect(await page.locator('#topology svg text', { hasText: name }).count()).toBe(1);
    }
    // The CLI in a clone of the repository the daemon serves (same environment identity), at its head.
    const cli = await statusJson(join(env.repo.work, 'env'));
    const expected = cli.rows.map((r) => [r.address, r.sync] as [string, string]);
    expect(expected.length).toBeGreaterThan(2);
    expect(await rowsOnPage()).toEqual(expected);
    // The topology shows every other kind too (a box a kind), not only the guests.
    const kinds = [...new Set(cli.rows.filter((r) => !r.address.startsWith('guest.')).map((r) => r.kind))].sort();
    expect(kinds.length).toBeGreaterThan(0);
    expect(await page.$$eval('#topology [data-kind]', (gs) => gs.map((g) => g.getAttribute('data-kind')))).toEqual(
      kinds,
    );
    await page.screenshot({ path: join(ARTIFACTS, 'overview-light.png'), fullPage: true });
    await axe('light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: join(ARTIFACTS, 'overview-dark.png'), fullPage: true });
    await axe('dark');
    await page.emulateMedia({ colorScheme: 'light' });
    // Keyboard: a row opens its detail with Enter.
    await page.focus('#resources tbody tr[data-address="guest.201"]');
    await page.keyboard.press('Enter');
    expect(await page.textContent('#detail h3')).toMatch(/guest\.201/);
  });

  it('shows out-of-band drift within 2 s of the daemon seeing it, without a reload', async () => {
    await env.sim.api('PUT', '/nodes/pve/lxc/201/config', { memory: 1536 });
    const seen = new Promise<number>((resolve) => {
      const off = daemon.bus.subscribe((e) => {
        if (e.type === 'status') {
          off();
          resolve(Date.now());
        }
      });
    });
    const run = daemon.reconciler.trigger('self-heal');
    const seenAt = await seen;
    await syncCell('guest.201', 'drifted').waitFor({ timeout: 5_000 });
    expect(Date.now() - seenAt).toBeLessThan(2_000);
    expect((await run)?.outcome).toBe('held');
    expect(await page.textContent('#detail .diff')).toContain('memory');
    await page.screenshot({ path: join(ARTIFACTS, 'drift.png'), fullPage: true });
  });

  it('approving a held plan in the page applies it', async () => {
    await page.waitForSelector('[data-hold] button');
    // Sizes read with their unit (PVE keeps memory as a MiB string), never as raw JSON strings.
    const held = (await page.textContent('[data-hold]')) ?? '';
    expect(held).toContain('update guest.201');
    expect(held).toContain('memory: 1.5 GiB → 512 MiB');
    expect(held).not.toContain('"512"');
    expect(await page.textContent('#detail .diff')).toContain('- 1.5 GiB');
    await page.screenshot({ path: join(ARTIFACTS, 'held-plan.png'), fullPage: true });
    await page.click('[data-hold] button:has-text("Approve")');
    await syncCell('guest.201', 'in sync').waitFor({ timeout: 15_000 });
    expect(await env.memoryOf(201)).toBe(512);
    await page.waitForSelector('[data-hold]', { state: 'detached', timeout: 5_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'approved.png'), fullPage: true });
    expect(consoleErrors).toEqual([]);
  });
});
