/**
 * Where the desired state comes from. Two kinds, one interface:
 * - `gitSource`: a repository (local path, file://, git://, ssh://, https://) and a branch. The
 *   cheapest check comes first: `git ls-remote` reads the remote head without fetching; only a
 *   new head is fetched (into a private bare mirror) and checked out into a directory named by
 *   the revision (`<work>/revisions/<sha>`), written aside and renamed into place so a crash
 *   never leaves a half-written revision that looks complete.
 * - `directorySource`: a working tree given with `--config DIR`; its revision is a digest of
 *   the config files' names and contents (with the git HEAD when the directory is in a repo).
 */
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { gitRemoteIdentity, type EnvironmentIdentity } from '../app/environment-id.ts';
import { PhoenixError } from '../errors.ts';
import { git } from './git.ts';

export interface Revision {
  /** Commit sha, or `content:<digest>` for a plain directory. */
  id: string;
  /** The config directory of this revision (the `--path` inside the checkout). */
  configDir: string;
  /**
   * The environment identity of a git checkout (stable across revisions: the repository URL and
   * the path inside it, as a clone would derive it); a plain directory derives its own.
   */
  identity?: EnvironmentIdentity;
}

export interface DesiredStateSource {
  /** For logs and the API: the URL (credentials redacted) and branch, or the directory. */
  readonly description: string;
  /** The newest revision id, as cheaply as possible (no fetch). */
  head(): Promise<string>;
  /** Makes `id` available on disk (fetching and checking out if needed). */
  materialize(id: string): Promise<Revision>;
  close(): void;
}

export interface GitCredentials {
  /** Private key text (already resolved from its secret reference), for ssh URLs. */
  sshPrivateKey?: string;
  /** known_hosts content for ssh; without it the host key is not checked (loopback tests only). */
  knownHosts?: string;
  /** Token or password (resolved), for https URLs. */
  password?: string;
  username?: string;
}

export interface GitSourceOptions {
  url: string;
  branch: string;
  /** Config directory inside the repository (default: its root). */
  path?: string;
  /** Private directory for the mirror and the revision checkouts. */
  workDir: string;
  credentials?: GitCredentials;
  timeoutMs?: number;
  /** Revisions kept on disk besides the one in use (default 5). */
  keep?: number;
}

function isSha(text: string): boolean {
  return /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(text);
}

/** The environment git needs for these credentials; writes the ssh key (0600) under `dir`. */
function credentialEnv(url: string, dir: string, c: GitCredentials | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  if (!c) return env;
  if (c.sshPrivateKey) {
    const keyFile = join(dir, 'ssh-key');
    writeFileSync(keyFile, c.sshPrivateKey.endsWith('\n') ? c.sshPrivateKey : `${c.sshPrivateKey}\n`, { mode: 0o600 });
    chmodSync(keyFile, 0o600);
    const hostCheck = c.knownHosts
      ? (writeFileSync(join(dir, 'known_hosts'), c.knownHosts),
        `-o UserKnownHostsFile=${join(dir, 'known_hosts')} -o StrictHostKeyChecking=yes`)
      : '-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null';
    env.GIT_SSH_COMMAND = `ssh -i ${keyFile} -o IdentitiesOnly=yes -o BatchMode=yes -o ConnectTimeout=15 ${hostCheck}`;
  }
  if (c.password && /^https?:/i.test(url)) {
    // An extra header through GIT_CONFIG_* keeps the secret out of argv and out of .git/config.
    const basic = Buffer.from(`${c.username ?? 'git'}:${c.password}`).toString('base64');
    env.GIT_CONFIG_COUNT = '1';
    env.GIT_CONFIG_KEY_0 = 'http.extraHeader';
    env.GIT_CONFIG_VALUE_0 = `Authorization: Basic ${basic}`;
  }
  return env;
}

export function gitSource(options: GitSourceOptions): DesiredStateSource {
  const workDir = resolve(options.workDir);
  const mirror = join(workDir, 'mirror.git');
  const revisions = join(workDir, 'revisions');
  mkdirSync(revisions, { recursive: true, mode: 0o700 });
  const url =
    /^[a-z][a-z0-9+.-]*:/i.test(options.url) || options.url.startsWith('/') ? options.url : resolve(options.url);
  const env = credentialEnv(url, workDir, options.credentials);
  const run = (args: string[]) => git(args, { env, timeoutMs: options.timeoutMs });
  const ref = `refs/heads/${options.branch}`;
  const keep = options.keep ?? 5;

  async function ensureMirror(): Promise<void> {
    if (existsSync(join(mirror, 'HEAD'))) return;
    await run(['init', '--bare', '--quiet', mirror]);
  }

  async function hasCommit(id: string): Promise<boolean> {
    try {
      await run(['--git-dir', mirror, 'cat-file', '-e', `${id}^{commit}`]);
      return true;
    } catch {
      return false;
    }
  }

  function prune(current: string): void {
    const dirs = readdirSync(revisions)
      .filter((d) => d !== current && isSha(d))
      .map((d) => ({ d, t: statSync(join(revisions, d)).mtimeMs }))
      .sort((a, b) => b.t - a.t);
    for (const { d } of dirs.slice(keep)) rmSync(join(revisions, d), { recursive: true, force: true });
    for (const d of readdirSync(revisions).filter((x) => x.startsWith('.tmp-')))
      rmSync(join(revisions, d), { recursive: true, force: true });
  }

  return {
    description: `${url.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1***@')} (branch ${options.branch}${options.path ? `, path ${options.path}` : ''})`,
    async head() {
      const out = await run(['ls-remote', '--', url, ref]);
      const line = out.split('\n').find((l) => l.endsWith(`\t${ref}`));
      const sha = line?.split('\t')[0];
      if (!sha || !isSha(sha)) {
        throw new PhoenixError(`branch '${options.branch}' not found in ${this.description}`, {
          code: 'E_GIT_BRANCH',
          hint: 'check --branch; the repository must have this branch',
        });
      }
      return sha;
    },
    async materialize(id) {
      if (!isSha(id)) throw new PhoenixError(`not a commit id: ${id}`, { code: 'E_GIT_REVISION' });
      const dir = join(revisions, id);
      const configDir = options.path ? join(dir, options.path) : dir;
      if (!existsSync(dir)) {
        await ensureMirror();
        if (!(await hasCommit(id))) {
          await run(['--git-dir', mirror, 'fetch', '--quiet', '--no-tags', '--', url, `+${ref}:${ref}`]);
          if (!(await hasCommit(id))) {
            // The branch moved on between ls-remote and fetch: the newer head is what counts.
            throw new PhoenixError(`revision ${id.slice(0, 12)} is no longer on branch '${options.branch}'`, {
              code: 'E_GIT_MOVED',
              hint: 'the branch moved; the next poll picks up its new head',
            });
          }
        }
        const tmp = join(revisions, `.tmp-${id}-${process.pid}`);
        rmSync(tmp, { recursive: true, force: true });
        mkdirSync(tmp, { recursive: true });
        await git(['--git-dir', mirror, '--work-tree', tmp, 'checkout', '--quiet', '--force', id, '--', '.'], {
          env: { ...env, GIT_INDEX_FILE: join(tmp, '.phoenix-index') },
          timeoutMs: options.timeoutMs,
        });
        rmSync(join(tmp, '.phoenix-index'), { force: true });
        renameSync(tmp, dir);
      }
      prune(id);
      if (!existsSync(configDir)) {
        throw new PhoenixError(`path '${options.path ?? '.'}' does not exist at revision ${id.slice(0, 12)}`, {
          code: 'E_GIT_PATH',
          hint: 'check --path: the config directory inside the repository',
        });
      }
      return { id, configDir, identity: gitRemoteIdentity(url, options.path ?? '.') };
    },
    close() {
      rmSync(join(workDir, 'ssh-key'), { force: true });
    },
  };
}

function configFiles(dir: string, base = dir, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.')) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) configFiles(full, base, out);
    else if (/\.ya?ml$/.test(entry.name)) out.push(relative(base, full));
  }
  return out;
}

/** A working tree: changes are seen by content, whether committed or not. */
export function directorySource(dir: string): DesiredStateSource {
  const root = resolve(dir);
  const digest = (): string => {
    const hash = createHash('sha256');
    for (const file of configFiles(root)) {
      hash
        .update(file)
        .update('\0')
        .update(readFileSync(join(root, file)))
        .update('\0');
    }
    return `content:${hash.digest('hex').slice(0, 16)}`;
  };
  return {
    description: root,
    head: async () => digest(),
    materialize: async (id) => ({ id, configDir: root }),
    close: () => undefined,
  };
}
