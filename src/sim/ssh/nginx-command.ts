/**
 * `nginx` inside a simulated guest. `nginx -t` is answered by the real nginx of this machine:
 * the guest's /etc (symlinks resolved inside the guest) is materialised under a temporary
 * prefix, only the absolute paths of path-taking directives are moved under that prefix
 * (nothing else the user wrote changes), `nginx -t -p -c -e` runs, and its exit code and
 * message come back with the prefix taken out again, so they name the guest's files.
 * Without an nginx here the check is reported as not done (an error under CI=true).
 * `nginx -s reload|stop|quit|reopen` act on the simulated service.
 */
import { spawnSync } from 'node:child_process';
import {
  accessSync,
  constants,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, posix } from 'node:path';
import { fail, type Io } from './shell-io.ts';
import { lstatIn, statIn } from './file-commands.ts';
import type { SimTree } from './sim-tree.ts';

/** Directives whose first argument is a file or directory path. */
const PATH_DIRECTIVES = [
  'include',
  'ssl_certificate',
  'ssl_certificate_key',
  'ssl_trusted_certificate',
  'ssl_client_certificate',
  'ssl_dhparam',
  'ssl_crl',
  'ssl_password_file',
  'ssl_stapling_file',
  'ssl_session_ticket_key',
  'proxy_ssl_trusted_certificate',
  'proxy_ssl_certificate',
  'proxy_ssl_certificate_key',
  'proxy_ssl_crl',
  'proxy_ssl_password_file',
  'auth_basic_user_file',
  'pid',
  'error_log',
  'access_log',
  'lock_file',
  'root',
  'alias',
  'client_body_temp_path',
  'proxy_temp_path',
  'fastcgi_temp_path',
  'uwsgi_temp_path',
  'scgi_temp_path',
  'working_directory',
];
const DIRECTIVE = new RegExp(`(^|[;{}])(\\s*)(${PATH_DIRECTIVES.join('|')})(\\s+)(["']?)/`, 'gm');

/** Moves the absolute paths of path-taking directives under `prefix`; everything else is left as written. */
export function prefixPaths(text: string, prefix: string): string {
  return text.replace(
    DIRECTIVE,
    (_m, lead: string, space: string, name: string, gap: string, quote: string) =>
      `${lead}${space}${name}${gap}${quote}${prefix}/`,
  );
}

/** The nginx binary of this machine, or undefined. */
export function hostNginx(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dirs = ['/usr/sbin', '/usr/local/sbin', '/usr/local/nginx/sbin', ...(env.PATH ?? '').split(delimiter)];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, 'nginx');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return undefined;
}

export interface NginxCheckOptions {
  /** The nginx binary (default: found on this machine); null = none. */
  binary?: string | null;
  ci?: boolean;
}

export function nginxCommand(tree: SimTree, args: string[], io: Io, options: NginxCheckOptions = {}): void {
  let test = false;
  let quiet = false;
  let signal: string | undefined;
  let conf = '/etc/nginx/nginx.conf';
  let globals: string | undefined;
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] as string;
    if (arg === '-t' || arg === '-T') test = true;
    else if (arg === '-q') quiet = true;
    else if (arg === '-s') signal = args[(i += 1)];
    else if (arg === '-c') conf = args[(i += 1)] ?? conf;
    else if (arg === '-g') globals = args[(i += 1)];
    else if (arg === '-v' || arg === '-V') {
      io.err.push('nginx version: nginx/1.22.1\n');
      return;
    } else fail(1, `nginx: invalid option: "${arg.replace(/^-/, '')}"\n`);
  }
  if (signal !== undefined) return nginxSignal(tree, signal);
  if (!test) fail(1, 'nginx: running nginx in the foreground is not simulated: use systemctl start nginx\n');
  checkConfig(tree, conf, { quiet, globals }, io, options);
}

function nginxSignal(tree: SimTree, signal: string): void {
  if (!['reload', 'stop', 'quit', 'reopen'].includes(signal))
    fail(1, `nginx: [emerg] invalid option: "-s ${signal}"\n`);
  const state = tree.service('nginx');
  if (!state.active) fail(1, 'nginx: [error] open() "/run/nginx.pid" failed (2: No such file or directory)\n');
  if (signal === 'reload') state.reloads += 1;
  if (signal === 'stop' || signal === 'quit') state.active = false;
  tree.updateMeta((meta) => {
    meta.services.nginx = state;
  });
}

function checkConfig(
  tree: SimTree,
  conf: string,
  flags: { quiet: boolean; globals?: string },
  io: Io,
  options: NginxCheckOptions,
): void {
  const binary = options.binary === undefined ? hostNginx() : options.binary;
  const ci = options.ci ?? process.env.CI === 'true';
  if (!binary) {
    if (ci) fail(1, 'nginx not installed on this machine (CI=true): the simulator cannot check the config\n');
    io.err.push('nginx not installed on this machine: config not checked\n');
    return;
  }
  if (!conf.startsWith('/')) fail(1, `nginx: [emerg] the simulator needs an absolute -c path, not "${conf}"\n`);
  const prefix = mkdtempSync(join(tmpdir(), 'phoenix-sim-nginx-'));
  try {
    materialiseNginx(tree, prefix);
    const argv = [
      '-t',
      '-p',
      `${prefix}/usr/share/nginx/`,
      '-c',
      prefix + posix.normalize(conf),
      '-e',
      `${prefix}/var/log/nginx/error.log`,
    ];
    if (flags.quiet) argv.push('-q');
    if (flags.globals !== undefined) argv.push('-g', prefixPaths(flags.globals, prefix));
    const result = spawnSync(binary, argv, {
      encoding: 'utf8',
      timeout: 30_000,
      env: { PATH: '/usr/sbin:/usr/bin:/bin' },
    });
    const clean = (text: string | null) => (text ?? '').split(prefix).join('');
    if (result.error || result.status === null)
      fail(1, `nginx: the check did not finish: ${result.error?.message ?? `killed by ${result.signal}`}\n`);
    io.out.push(clean(result.stdout));
    if (result.status !== 0) fail(result.status as number, clean(result.stderr));
    io.err.push(clean(result.stderr));
  } finally {
    rmSync(prefix, { recursive: true, force: true });
  }
}

/**
 * The guest's /etc under `prefix` as this machine's nginx reads it (symlinks resolved inside the
 * guest, path-taking directives moved under the prefix): what `nginx -t` checks, and what a test
 * can run with `nginx -p <prefix>/usr/share/nginx/ -c <prefix>/etc/nginx/nginx.conf`.
 */
export function materialiseNginx(tree: SimTree, prefix: string): void {
  materialise(tree, '/etc', prefix);
  for (const dir of ['run', 'tmp', 'var/log/nginx', 'var/lib/nginx', 'usr/share/nginx'])
    mkdirSync(join(prefix, dir), { recursive: true });
  rewriteTree(join(prefix, 'etc', 'nginx'), prefix);
}

/** Copies a guest directory to `<prefix><path>`, symlinks followed inside the guest (dangling ones left out). */
function materialise(tree: SimTree, path: string, prefix: string): void {
  let count = 0;
  const seen = new Set<string>();
  const copy = (guestPath: string): void => {
    count += 1;
    if (count > 20_000) fail(1, 'nginx: the simulator copies at most 20000 files of /etc for a check\n');
    const info = statIn(tree, guestPath);
    if (!info || !lstatIn(tree, guestPath)) return;
    const target = prefix + guestPath;
    if (info.isDirectory()) {
      const canonical = tree.canonical(guestPath);
      if (seen.has(canonical)) return; // a symlink loop
      seen.add(canonical);
      mkdirSync(target, { recursive: true });
      for (const name of readdirSync(tree.resolve(guestPath)).sort()) copy(posix.join(guestPath, name));
      seen.delete(canonical);
    } else if (info.isFile()) {
      copyFileSync(tree.resolve(guestPath), target);
    }
  };
  copy(path);
}

function rewriteTree(dir: string, prefix: string): void {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of entries) {
    const file = join(dir, name);
    if (statSync(file).isDirectory()) rewriteTree(file, prefix);
    else {
      const text = readFileSync(file, 'utf8');
      const moved = prefixPaths(text, prefix);
      if (moved !== text) writeFileSync(file, moved);
    }
  }
}
