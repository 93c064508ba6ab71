/**
 * Test-only: a real bare repository with a working clone to commit from, and `git daemon`
 * serving it on loopback (git://127.0.0.1:PORT/). Everything lives in one temp dir.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { connect } from 'node:net';
import { freePort } from '../clients/ssh/_test-peers.ts';
import { git } from './git.ts';

export interface TestRepo {
  root: string;
  /** The bare repository (what a server serves). */
  bare: string;
  /** A clone to edit and push from. */
  work: string;
  /** Writes files (relative to the clone), commits, pushes; returns the commit id. */
  commit(files: Record<string, string | null>, message?: string): Promise<string>;
  cleanup(): void;
}

const IDENTITY = ['-c', 'user.name=Phoenix Test', '-c', 'user.email=test@phoenix.invalid'];

export async function makeTestRepo(
  initial: { copyDir?: string; files?: Record<string, string> } = {},
): Promise<TestRepo> {
  const root = mkdtempSync(join(tmpdir(), 'phoenix-git-'));
  const bare = join(root, 'origin.git');
  const work = join(root, 'work');
  await git(['init', '--bare', '--quiet', '-b', 'main', bare]);
  await git(['clone', '--quiet', bare, work]);
  await git(['checkout', '--quiet', '-b', 'main'], { cwd: work });
  const repo: TestRepo = {
    root,
    bare,
    work,
    async commit(files, message = 'change') {
      for (const [path, text] of Object.entries(files)) {
        const full = join(work, path);
        if (text === null) rmSync(full, { force: true });
        else {
          mkdirSync(dirname(full), { recursive: true });
          writeFileSync(full, text);
        }
      }
      await git(['add', '-A'], { cwd: work });
      await git([...IDENTITY, 'commit', '--quiet', '--allow-empty', '-m', message], { cwd: work });
      await git(['push', '--quiet', 'origin', 'HEAD:refs/heads/main'], { cwd: work });
      return (await git(['rev-parse', 'HEAD'], { cwd: work })).trim();
    },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
  if (initial.copyDir)
    cpSync(initial.copyDir, join(work, 'env'), { recursive: true, filter: (s) => !s.includes('.phoenix') });
  await repo.commit(initial.files ?? {}, 'initial');
  return repo;
}

export interface GitDaemon {
  url(repoPath: string): string;
  stop(): Promise<void>;
}

/** `git daemon` exporting `base` read-only on 127.0.0.1. */
export async function startGitDaemon(base: string): Promise<GitDaemon> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    'git',
    ['daemon', '--reuseaddr', '--export-all', `--base-path=${base}`, '--listen=127.0.0.1', `--port=${port}`, base],
    { stdio: 'ignore' },
  );
  const deadline = Date.now() + 10_000;
  for (let i = 0; i < 200; i++) {
    const open = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (open) break;
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('git daemon did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: (repoPath) => `git://127.0.0.1:${port}/${repoPath}`,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    },
  };
}
