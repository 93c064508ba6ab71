/**
 * Issue 8, "Secrets in the repository": after `init --scaffold` and `apply`, `git add -A` would
 * have committed the token secret and the simulator's SSH private key, and state.db was 0644.
 * Now the scaffold writes a .gitignore covering .phoenix/, everything below .phoenix/ is
 * owner-only, and a secret is never written into a path git would pick up.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/config/__fixtures__/run-cli.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function repo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'phoenix-repo-'));
  dirs.push(dir);
  execFileSync('git', ['init', '-q', dir]);
  return dir;
}

const git = (dir: string, ...args: string[]) => execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8' });

/** Every path below `root` with its mode bits. */
function modes(root: string): { path: string; mode: number; dir: boolean }[] {
  const out: { path: string; mode: number; dir: boolean }[] = [];
  const walk = (rel: string) => {
    for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
      const path = rel ? `${rel}/${e.name}` : e.name;
      const st = statSync(join(root, path));
      out.push({ path, mode: st.mode & 0o777, dir: e.isDirectory() });
      // Inside the simulated nodes' file trees the modes are the simulated files' own.
      if (e.isDirectory() && !/^simulator\.json\.d\/(nodes|guests)/.test(path)) walk(path);
    }
  };
  walk('');
  return out;
}

describe('secrets stay out of the repository', () => {
  it('init --scaffold writes a .gitignore; after apply nothing of .phoenix/ is committable and all of it is owner-only', async () => {
    const dir = repo();
    const init = await runCli(['init', dir, '--scaffold']);
    expect(init.code, init.stderr).toBe(0);
    expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toMatch(/^\.phoenix\/$/m);

    const apply = await runCli(['apply', '-c', dir, '--auto-approve']);
    expect(apply.code, apply.stderr).toBe(0);
    expect(readFileSync(join(dir, '.phoenix/secrets/pve-token'), 'utf8')).toMatch(/^[0-9a-f-]{36}\n$/);

    // What `git add -A` would take: the config and the .gitignore, nothing below .phoenix/.
    const status = git(dir, 'status', '--porcelain', '--untracked-files=all');
    expect(status).not.toMatch(/\.phoenix/);
    expect(status).toMatch(/phoenix\.yaml/);

    const phoenixDir = join(dir, '.phoenix');
    expect(statSync(phoenixDir).mode & 0o777).toBe(0o700);
    const entries = modes(phoenixDir);
    expect(entries.map((e) => e.path)).toEqual(
      expect.arrayContaining(['state.db', 'simulator.json', 'secrets/pve-token']),
    );
    expect(entries.some((e) => /ssh\/.*_key$/.test(e.path))).toBe(true);
    const open = entries
      .filter((e) => (e.dir ? e.mode !== 0o700 : (e.mode & 0o077) !== 0))
      .map((e) => `${e.path} ${e.mode.toString(8)}`);
    expect(open).toEqual([]);
  });

  it('refuses to write a token secret into a path git would commit, and says why; nothing is created', async () => {
    const dir = repo();
    expect((await runCli(['init', dir, '--scaffold'])).code).toBe(0);
    rmSync(join(dir, '.gitignore'));
    const apply = await runCli(['apply', '-c', dir, '--auto-approve']);
    expect(apply.code).not.toBe(0);
    expect(apply.stderr).toMatch(/E_SECRET_NOT_IGNORED|not ignored by git/);
    expect(apply.stderr).toMatch(/\.phoenix\/secrets\/pve-token/);
    expect(apply.stderr).toMatch(/\.gitignore/);
    expect(apply.stderr).not.toMatch(/\n\s+at .*\.ts:\d+/);
    // The token was never created: its secret (shown once) cannot have been lost.
    let tokenExists = true;
    try {
      statSync(join(dir, '.phoenix/secrets/pve-token'));
    } catch {
      tokenExists = false;
    }
    expect(tokenExists).toBe(false);
    const plan = await runCli(['plan', '-c', dir, '--json']);
    const changes = (JSON.parse(plan.stdout) as { changes: { address: string; action: string }[] }).changes;
    expect(changes.find((c) => c.address === 'token.phoenix@pve!gitops')?.action).toBe('create');
  });
});
