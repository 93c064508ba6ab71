import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findPeer, generateKeyPair, startOpenSsh } from '../clients/ssh/_test-peers.ts';
import { environmentIdentity } from '../app/environment-id.ts';
import { directorySource, gitSource } from './source.ts';
import { makeTestRepo, startGitDaemon, startGitHttp, type TestRepo } from './_test-git.ts';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function repoWithConfig(): Promise<TestRepo> {
  const repo = await makeTestRepo({ files: { 'env/phoenix.yaml': 'version: 1\n', README: 'x' } });
  cleanups.push(() => repo.cleanup());
  return repo;
}

function workDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'phoenix-src-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function checkSource(url: string, repo: TestRepo, extra = {}): Promise<void> {
  const source = gitSource({ url, branch: 'main', path: 'env', workDir: workDir(), ...extra });
  cleanups.push(() => source.close());
  const first = await source.head();
  const rev = await source.materialize(first);
  expect(rev.configDir.endsWith(join('revisions', first, 'env'))).toBe(true);
  const before = readFileSync(join(repo.work, 'env/phoenix.yaml'), 'utf8');
  expect(readFileSync(join(rev.configDir, 'phoenix.yaml'), 'utf8')).toBe(before);
  const second = await repo.commit({ 'env/phoenix.yaml': `${before}# two\n` });
  expect(await source.head()).toBe(second);
  const rev2 = await source.materialize(second);
  expect(readFileSync(join(rev2.configDir, 'phoenix.yaml'), 'utf8')).toBe(`${before}# two\n`);
  // The older revision is still there, unchanged (revision-addressed, never rewritten).
  expect(readFileSync(join(rev.configDir, 'phoenix.yaml'), 'utf8')).toBe(before);
  // Checkouts carry no .git: each revision still has the repository's one environment identity.
  expect(rev.identity?.source).toBe('git-remote');
  expect(rev2.identity).toEqual(rev.identity);
}

describe('git source', () => {
  it('reads a local path and a file:// URL, one directory per revision', async () => {
    const repo = await repoWithConfig();
    await checkSource(repo.bare, repo);
    await checkSource(`file://${repo.bare}`, repo);
  });

  it('gives its checkouts the identity a clone of the same repository derives', async () => {
    const repo = await repoWithConfig();
    const clone = environmentIdentity(join(repo.work, 'env'), undefined);
    expect(clone.source).toBe('git-remote');
    for (const url of [repo.bare, `file://${repo.bare}`]) {
      const source = gitSource({ url, branch: 'main', path: 'env', workDir: workDir() });
      cleanups.push(() => source.close());
      const rev = await source.materialize(await source.head());
      expect(rev.identity).toEqual(clone);
      expect(environmentIdentity(rev.configDir, undefined)).not.toEqual(clone);
    }
  });

  it('reads a repository served by git daemon on loopback', async () => {
    const repo = await repoWithConfig();
    const daemon = await startGitDaemon(repo.root);
    cleanups.push(() => daemon.stop());
    await checkSource(daemon.url('origin.git'), repo);
  });

  it('reads over ssh with a key from a secret, checking the host key', async () => {
    const sshd = findPeer('/usr/sbin/sshd');
    if (!sshd) return;
    const repo = await repoWithConfig();
    const key = generateKeyPair();
    const peer = await startOpenSsh(sshd, key.publicKey);
    cleanups.push(() => peer.stop());
    const knownHosts = `[127.0.0.1]:${peer.port} ${peer.hostPublicKey}\n`;
    const url = `ssh://root@127.0.0.1:${peer.port}${repo.bare}`;
    await checkSource(url, repo, { credentials: { sshPrivateKey: key.privateKey, knownHosts } });
    // A wrong host key is refused.
    const other = generateKeyPair('other-host');
    const bad = gitSource({
      url,
      branch: 'main',
      workDir: workDir(),
      credentials: { sshPrivateKey: key.privateKey, knownHosts: `[127.0.0.1]:${peer.port} ${other.publicKey}\n` },
    });
    await expect(bad.head()).rejects.toMatchObject({ code: 'E_GIT' });
  });

  it('reads over smart HTTP (git http-backend) with a token from a secret, sent as a header', async () => {
    const repo = await repoWithConfig();
    const http = await startGitHttp(repo.root, 'deploy', 's3cret-token');
    cleanups.push(() => http.stop());
    await checkSource(http.url('origin.git'), repo, { credentials: { username: 'deploy', password: 's3cret-token' } });
    const wrong = gitSource({
      url: http.url('origin.git'),
      branch: 'main',
      workDir: workDir(),
      credentials: { password: 'nope' },
    });
    await expect(wrong.head()).rejects.toMatchObject({ code: 'E_GIT' });
    // No credentials: git must not hang on a prompt.
    const none = gitSource({ url: http.url('origin.git'), branch: 'main', workDir: workDir(), timeoutMs: 20_000 });
    await expect(none.head()).rejects.toMatchObject({ code: 'E_GIT' });
  });

  it('names a missing branch and a missing path, and never prints URL credentials', async () => {
    const repo = await repoWithConfig();
    const source = gitSource({ url: repo.bare, branch: 'nope', workDir: workDir() });
    await expect(source.head()).rejects.toMatchObject({ code: 'E_GIT_BRANCH' });
    const wrongPath = gitSource({ url: repo.bare, branch: 'main', path: 'missing', workDir: workDir() });
    await expect(wrongPath.materialize(await wrongPath.head())).rejects.toMatchObject({ code: 'E_GIT_PATH' });
    const secretUrl = gitSource({ url: 'https://bob:hunter2@127.0.0.1:1/x.git', branch: 'main', workDir: workDir() });
    expect(secretUrl.description).not.toContain('hunter2');
    const error = (await secretUrl.head().catch((e: unknown) => e)) as { message: string; detail?: string };
    expect(error.message + String(error.detail)).not.toContain('hunter2');
  });

  it('a working directory changes revision when a config file changes', async () => {
    const dir = workDir();
    writeFileSync(join(dir, 'phoenix.yaml'), 'version: 1\n');
    const source = directorySource(dir);
    const a = await source.head();
    expect(await source.head()).toBe(a);
    writeFileSync(join(dir, 'phoenix.yaml'), 'version: 1\n# edit\n');
    expect(await source.head()).not.toBe(a);
    expect(existsSync((await source.materialize(a)).configDir)).toBe(true);
  });
});
