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

export interface GitHttpServer {
  url(repoPath: string): string;
  /** Authorization headers seen, for asserting how credentials arrived. */
  readonly authorizations: string[];
  stop(): Promise<void>;
}

/**
 * `git http-backend` (the real smart-HTTP server, as CGI) behind a Node HTTP server on
 * loopback that demands Basic auth `user:password`.
 */
export async function startGitHttp(base: string, user: string, password: string): Promise<GitHttpServer> {
  const { createServer } = await import('node:http');
  const authorizations: string[] = [];
  const expected = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const server = createServer((req, res) => {
    const auth = req.headers.authorization ?? '';
    authorizations.push(auth);
    if (auth !== expected) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="git"' });
      res.end();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const cgi = spawn('git', ['http-backend'], {
      env: {
        ...process.env,
        GIT_PROJECT_ROOT: base,
        GIT_HTTP_EXPORT_ALL: '1',
        REQUEST_METHOD: req.method ?? 'GET',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        REMOTE_USER: user,
        REMOTE_ADDR: '127.0.0.1',
      },
    });
    req.pipe(cgi.stdin!);
    let head = Buffer.alloc(0);
    let headersDone = false;
    cgi.stdout!.on('data', (chunk: Buffer) => {
      if (headersDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      headersDone = true;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, end).toString().split('\r\n')) {
        const i = line.indexOf(':');
        const k = line.slice(0, i).trim();
        const v = line.slice(i + 1).trim();
        if (k.toLowerCase() === 'status') status = Number(v.split(' ')[0]);
        else headers[k] = v;
      }
      res.writeHead(status, headers);
      res.write(head.subarray(end + 4));
    });
    cgi.on('close', () => res.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: (repoPath) => `http://127.0.0.1:${port}/${repoPath}`,
    authorizations,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
