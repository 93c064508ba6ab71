/**
 * The dashboard against `phoenix status --json` for every provider, not only guests: the
 * homelab example (pve-host, node, pki, gateway, traefik resources) on the built-in simulator,
 * served by a daemon that holds its plan (autoSync off). The page's rows (address, kind, sync,
 * health) must equal the CLI's, in order; the topology must show every guest and a box for every
 * other kind; the held plan must list its changes. Screenshot: test-artifacts/dashboard/.
 */
import { execFile } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPeer } from '../../src/clients/ssh/_test-peers.ts';
import { startDaemon, type RunningDaemon } from '../../src/server/daemon.ts';

const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'dashboard');
const chromiumPath = findPeer('/usr/bin/chromium');

interface CliRow {
  address: string;
  kind: string;
  sync: string;
  health: string;
  details: { name?: string };
}

let dir: string;
let configDir: string;
let statePath: string;
let daemon: RunningDaemon | undefined;
let browser: Browser | undefined;

async function statusJson(): Promise<{ rows: CliRow[] }> {
  const code = `import(${JSON.stringify(join(process.cwd(), 'src/cli/main.ts'))}).then(async (m) => { process.exitCode = await m.main(process.argv.slice(1)); })`;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', '-e', code, 'status', '-c', configDir, '--json', '--state', statePath],
    { env: { ...process.env, NO_COLOR: '1' } },
  ).catch((e: { stdout: string }) => ({ stdout: e.stdout }));
  return JSON.parse(stdout) as never;
}

beforeAll(async () => {
  if (!chromiumPath) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  dir = mkdtempSync(join(tmpdir(), 'phoenix-dash-providers-'));
  configDir = join(dir, 'homelab');
  cpSync(join(process.cwd(), 'examples', 'homelab'), configDir, { recursive: true });
  appendFileSync(
    join(configDir, 'phoenix.yaml'),
    '\ngitops:\n  autoSync: false\n  pollInterval: 3600\n  selfHeal: { enabled: false }\n',
  );
  statePath = join(configDir, '.phoenix', 'state.db');
  daemon = await startDaemon({ configDir, listen: '127.0.0.1:0', statePath, env: {} });
  await daemon.firstRun;
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await daemon?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!chromiumPath)('dashboard rows for every provider (Chromium)', () => {
  it('equal `phoenix status --json` (address, kind, sync, health) for the homelab, with its plan held', async () => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 1400 } });
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(daemon!.url);
    await page.fill('#token', daemon!.store.gitops.tokens.create('read', 'browser').token);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#resources tbody tr');

    const cli = await statusJson();
    const kinds = new Set(cli.rows.map((r) => r.kind));
    for (const kind of [
      'proxmox.guest',
      'pve.bridge',
      'node.packages',
      'traefik.config',
      'pki.step-ca',
      'pki.certificate',
      'gateway.nginx',
    ]) {
      expect(kinds).toContain(kind);
    }
    expect(kinds).toContain('traefik.binary');
    const onPage = await page.$$eval('#resources tbody tr', (trs) =>
      trs.map((tr) => {
        const td = [...tr.querySelectorAll('td')].map((c) => c.textContent ?? '');
        return [tr.getAttribute('data-address'), td[2], td[4], td[5]];
      }),
    );
    expect(onPage).toEqual(cli.rows.map((r) => [r.address, r.kind, r.sync, r.health]));

    // The topology: every guest by name, and one box for every other kind.
    for (const guest of cli.rows.filter((r) => r.kind === 'proxmox.guest')) {
      expect(await page.locator('#topology svg text', { hasText: guest.details.name ?? '' }).count()).toBeGreaterThan(
        0,
      );
    }
    // The Swarm and its stacks: one box each in the stacks strip.
    const swarmRows = cli.rows.filter((r) => /^(stack|swarm)\./.test(r.kind));
    expect(swarmRows.length).toBeGreaterThan(0);
    expect(await page.$$eval('#topology g.stack', (gs) => gs.map((g) => g.getAttribute('data-address')))).toEqual(
      swarmRows.map((r) => r.address),
    );
    const others = [...kinds].filter((k) => k !== 'proxmox.guest' && !/^(stack|swarm)\./.test(k)).sort();
    expect(await page.$$eval('#topology [data-kind]', (gs) => gs.map((g) => g.getAttribute('data-kind')))).toEqual(
      others,
    );

    // autoSync off: the plan is held, each change listed (a read token sees it, cannot approve).
    const hold = page.locator('[data-hold]');
    await hold.waitFor();
    expect(await hold.textContent()).toContain('create guest.103');
    expect(await page.locator('[data-hold] button').count()).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, 'all-providers.png'), fullPage: true });
    expect(errors).toEqual([]);
  }, 60_000);
});
