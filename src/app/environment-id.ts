/**
 * The identity of an environment, written into every ownership marker so that several config
 * directories can share one Proxmox without touching each other's objects. Declared with
 * `environment:` in the config; otherwise derived so that it is STABLE across checkouts of one
 * repository (the GitOps daemon checks every revision out into a new directory, so the
 * directory's name or path would give each revision another identity):
 *
 *   git work tree:  "g" + hash(repository key, config path inside the repository)
 *                   repository key = the `origin` remote URL without scheme, user and `.git`
 *                   (same for ssh and https clones), else the root commit(s)
 *   no git:         "d" + hash(real path of the config directory)
 *
 * The daemon's checkouts are plain work trees (no `.git`): it gives each the identity of its
 * repository URL and path (`gitRemoteIdentity`), the same a clone with that `origin` derives.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { relative } from 'node:path';

export interface EnvironmentIdentity {
  id: string;
  /** How it was found, for `phoenix status` and the docs. */
  source: 'declared' | 'git-remote' | 'git-root-commit' | 'directory';
}

const hash = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 10);

function git(dir: string, ...args: string[]): string | undefined {
  const r = spawnSync('git', ['-C', dir, ...args], { encoding: 'utf8', timeout: 10_000 });
  return r.error || r.status !== 0 ? undefined : r.stdout.trim();
}

/** `git@host:org/repo.git`, `https://user@host/org/repo` and `ssh://host/org/repo.git` all give `host/org/repo`. */
export function normalizeRemote(url: string): string {
  let u = url
    .trim()
    .replace(/\/+$/, '')
    .replace(/\.git$/, '');
  u = u.replace(/^[a-z+]+:\/\//i, '').replace(/^[^@/]+@/, '');
  u = u.replace(/^([^/:]+):(?!\d+\/)/, '$1/');
  u = u.replace(/^([^/:]+):\d+\//, '$1/');
  return u.toLowerCase();
}

/**
 * The identity of the config at `path` inside the repository whose `origin` is `remote`: what
 * a clone of that repository derives, and what the GitOps daemon gives each of its checkouts
 * (they are plain work trees without `.git`, fetched from that URL).
 */
export function gitRemoteIdentity(remote: string, path: string): EnvironmentIdentity {
  const inRepo =
    path
      .split('\\')
      .join('/')
      .split('/')
      .filter((p) => p !== '' && p !== '.')
      .join('/') || '.';
  return { id: `g${hash(`${normalizeRemote(remote)}\0${inRepo}`)}`, source: 'git-remote' };
}

export function environmentIdentity(configDir: string, declared: string | undefined): EnvironmentIdentity {
  if (declared) return { id: declared, source: 'declared' };
  let real = configDir;
  try {
    real = realpathSync(configDir);
  } catch {
    // A missing directory fails later with a located error; keep the given path.
  }
  const top = git(real, 'rev-parse', '--show-toplevel');
  if (top) {
    const path = relative(realpathSync(top), real).split('\\').join('/') || '.';
    const remote = git(top, 'config', '--get', 'remote.origin.url');
    if (remote) return gitRemoteIdentity(remote, path);
    const roots = git(top, 'rev-list', '--max-parents=0', 'HEAD');
    if (roots) {
      const first = roots.split('\n').sort()[0] ?? roots;
      return { id: `g${hash(`${first}\0${path}`)}`, source: 'git-root-commit' };
    }
  }
  return { id: `d${hash(real)}`, source: 'directory' };
}
