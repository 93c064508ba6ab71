/**
 * The guest tools the gateway, Traefik and node providers run (file-commands, search-commands,
 * archive-commands), checked two ways: against the real GNU tools of this machine (same fixture,
 * same command line, same exit code, stdout and stderr, C locale), and by what the providers rely on
 * (symlinks resolved inside the guest, the generation swap, find -exec batches, the download source).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { quoteArgv } from '../../clients/ssh/shell-quote.ts';
import { releaseArchive, sha256Hex } from '../guests/release-archives.ts';
import { runCommandLine, type ShellContext } from './interpreter.ts';
import { SimTree } from './sim-tree.ts';

let dir: string;
let guest: SimTree;
let ctx: ShellContext;
const run = (...argv: string[]) => runCommandLine(ctx, quoteArgv(argv), Buffer.alloc(0));

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'phoenix-guest-tools-'));
  guest = new SimTree(join(dir, 'guest'));
  ctx = {
    node: 'pve',
    tree: guest,
    guests: { guestExists: () => false, guestRunning: () => false },
    guestTree: () => guest,
  };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The same small tree under `root` (the guest's or a host directory standing for `/`). */
function fixture(root: string): void {
  mkdirSync(join(root, 'etc', 'd', 'sub'), { recursive: true });
  mkdirSync(join(root, 'tmp'), { recursive: true });
  writeFileSync(join(root, 'etc', 'a.conf'), 'hello\n# phoenix-route routes[0] whoami\n');
  writeFileSync(join(root, 'etc', 'd', 'f1'), '# phoenix-route routes[1] x\nlisten 80;\n');
  writeFileSync(join(root, 'etc', 'd', 'sub', 'f2'), 'nothing here\n');
  symlinkSync('a.conf', join(root, 'etc', 'link'));
}

describe('the same answers as the real GNU tools (C locale)', () => {
  const cases: string[][] = [
    ['readlink', '/etc/link'],
    ['readlink', '/etc/a.conf'],
    ['readlink', '/etc/missing'],
    ['rm', '/etc/missing'],
    ['rm', '/etc/d'],
    ['rm', '-f', '/etc/missing'],
    ['rm', '-rf', '/etc/missing'],
    ['rm'],
    ['mkdir', '/etc/d'],
    ['mkdir', '/etc/x/y'],
    ['mkdir', '-p', '/etc/a.conf'],
    ['mv', '/etc/missing', '/etc/b'],
    ['mv', '-T', '/etc/a.conf', '/etc/d'],
    ['cp', '/etc/missing', '/etc/b'],
    ['cp', '/etc/d', '/etc/e'],
    ['cp', '/etc/a.conf'],
    ['sha256sum', '/etc/a.conf', '/etc/missing', '/etc/d/f1'],
    ['sha512sum', '/etc/d'],
    ['ln', '-s', 'a.conf', '/etc/a.conf'],
    ['ln', '-s', 'a.conf', '/etc/x/y'],
    ['grep', '-rhs', '^# phoenix-route ', '/etc/d', '/etc/missing'],
    ['grep', '-rh', '^# phoenix-route ', '/etc/d', '/etc/a.conf'],
    ['grep', '-r', 'x', '/etc/missing'],
    ['grep', 'nomatch', '/etc/a.conf'],
    ['grep', 'hello', '/etc/d'],
    ['grep', '-q', 'hello', '/etc/a.conf'],
    ['find', '/etc/missing'],
    ['find', '/etc/d', '-type', 'f'],
    ['find', '/etc/d', '-mindepth', '1', '-maxdepth', '1', '!', '-name', 'sub'],
    ['find', '/etc/d', '-bogus'],
    ['find', '/etc/d', '-type', 'f', '-exec', 'sha256sum', '{}', '+'],
    ['tar', '-xzf', '/etc/missing.tgz', '-C', '/tmp'],
    ['tar', '-xzf', '/etc/a.conf', '-C', '/tmp'],
    ['install', '-m', '0755', '/etc/missing', '/tmp/x'],
    ['test', '-x', '/etc/a.conf'],
    ['test', '-L', '/etc/link'],
  ];
  it.each(cases.map((argv) => [argv.join(' '), argv]))('%s', (_name, argv) => {
    const host = join(dir, 'host');
    fixture(host);
    fixture(guest.root);
    const mapped = (argv as string[]).map((a) => (/^\/(etc|tmp)/.test(a) ? host + a : a));
    const real = spawnSync(mapped[0] as string, mapped.slice(1), {
      encoding: 'utf8',
      env: { LC_ALL: 'C', PATH: '/usr/bin:/bin' },
    });
    const strip = (text: string) => text.split(host).join('');
    const sim = run(...(argv as string[]));
    expect({ code: sim.code, stdout: sim.stdout, stderr: sim.stderr }).toEqual({
      code: real.status,
      stdout: strip(real.stdout),
      stderr: strip(real.stderr).replace(/^\/usr\/bin\/test/, 'test'),
    });
  });
});

describe('what the providers rely on', () => {
  it('an absolute symlink means the guest’s /, never the host’s', () => {
    mkdirSync(guest.resolve('/etc/nginx/phoenix.d/g-1/http'), { recursive: true });
    writeFileSync(guest.resolve('/etc/nginx/phoenix.d/g-1/http/a.conf'), 'x');
    expect(run('ln', '-sfn', '/etc/nginx/phoenix.d/g-1', '/etc/nginx/phoenix').code).toBe(0);
    expect(run('cat', '/etc/nginx/phoenix/http/a.conf').stdout).toBe('x');
    expect(run('readlink', '/etc/nginx/phoenix').stdout).toBe('/etc/nginx/phoenix.d/g-1\n');
    expect(run('readlink', '-f', '/etc/nginx/phoenix/http').stdout).toBe('/etc/nginx/phoenix.d/g-1/http\n');
    symlinkSync('/etc/passwd', guest.resolveLink('/etc/escape'));
    expect(run('cat', '/etc/escape')).toMatchObject({
      code: 1,
      stderr: 'cat: /etc/escape: No such file or directory\n',
    });
    symlinkSync('loop', guest.resolveLink('/etc/loop'));
    expect(run('cat', '/etc/loop/x').code).toBe(1);
  });

  it('the nginx generation swap: cp -a of the live one, ln -sfn + mv -Tf, old generations removed', () => {
    mkdirSync(guest.resolve('/etc/nginx/phoenix.d/g-1/http'), { recursive: true });
    writeFileSync(guest.resolve('/etc/nginx/phoenix.d/g-1/http/a.conf'), 'one');
    symlinkSync('../../shared', guest.resolveLink('/etc/nginx/phoenix.d/g-1/rel'));
    expect(run('chown', 'root:www-data', '/etc/nginx/phoenix.d/g-1/http/a.conf').code).toBe(0);
    expect(run('ln', '-sfn', '/etc/nginx/phoenix.d/g-1', '/etc/nginx/phoenix').code).toBe(0);
    expect(run('mkdir', '-p', '/etc/nginx/phoenix.d/g-2/http', '/etc/nginx/phoenix.d/g-2/stream').code).toBe(0);
    expect(run('cp', '-a', '/etc/nginx/phoenix.d/g-1/.', '/etc/nginx/phoenix.d/g-2/').code).toBe(0);
    expect(readlinkSync(guest.resolveLink('/etc/nginx/phoenix.d/g-2/rel'))).toBe('../../shared');
    expect(run('stat', '-c', '%U:%G', '/etc/nginx/phoenix.d/g-2/http/a.conf').stdout).toBe('root:www-data\n');
    expect(run('ln', '-sfn', '/etc/nginx/phoenix.d/g-2', '/etc/nginx/phoenix.phoenix-swap').code).toBe(0);
    expect(run('mv', '-Tf', '/etc/nginx/phoenix.phoenix-swap', '/etc/nginx/phoenix').code).toBe(0);
    expect(run('readlink', '/etc/nginx/phoenix').stdout).toBe('/etc/nginx/phoenix.d/g-2\n');
    // Without -T, mv into a symlink to a directory moves inside it (GNU); -T replaces the link.
    expect(run('test', '-d', '/etc/nginx/phoenix.d/g-1').code).toBe(0);
    const removed = run(
      ...['find', '/etc/nginx/phoenix.d', '-mindepth', '1', '-maxdepth', '1', '!', '-name', 'g-2'],
      ...['-exec', 'rm', '-rf', '{}', '+'],
    );
    expect(removed.code).toBe(0);
    expect(run('find', '/etc/nginx/phoenix.d', '-mindepth', '1', '-maxdepth', '1').stdout).toBe(
      '/etc/nginx/phoenix.d/g-2\n',
    );
    expect(run('cat', '/etc/nginx/phoenix/http/a.conf').stdout).toBe('one');
  });

  it('find -exec ... ; runs per file and a failing command makes find exit 1', () => {
    fixture(guest.root);
    const result = run('find', '/etc/d', '-type', 'f', '-exec', 'cat', '{}', '/etc/missing', ';');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('listen 80;');
    expect(result.stderr).toContain('cat: /etc/missing: No such file or directory');
  });

  it('curl serves the simulator’s release archive (never the network); tar extracts it; the checksum is stable', () => {
    const url = 'https://github.com/traefik/traefik/releases/download/v3.1.2/traefik_v3.1.2_linux_amd64.tar.gz';
    const curl = ['curl', '-fsSL', '--proto', '=https,http', '--max-time', '600', '-o', '/tmp/r.tgz'];
    expect(run(...curl, url)).toMatchObject({ code: 127, stderr: 'sh: 1: curl: not found\n' });
    expect(run('apt-get', 'install', '-y', 'curl').code).toBe(0);
    expect(run(...curl, url).code).toBe(0);
    const served = releaseArchive(new URL(url)) as Buffer;
    expect(run('sha256sum', '/tmp/r.tgz').stdout).toBe(`${sha256Hex(served)}  /tmp/r.tgz\n`);
    // Byte-stable: the example config declares this very value.
    expect(sha256Hex(served)).toBe(sha256Hex(releaseArchive(new URL(url)) as Buffer));
    expect(run('mkdir', '-p', '/tmp/x').code).toBe(0);
    expect(run('tar', '-xzf', '/tmp/r.tgz', '-C', '/tmp/x', 'traefik').code).toBe(0);
    expect(run('test', '-x', '/tmp/x/traefik').code).toBe(0);
    expect(readFileSync(guest.resolve('/tmp/x/traefik'), 'utf8')).toMatch(/Version: +3\.1\.2/);
    expect(run('tar', '-xzf', '/tmp/r.tgz', '-C', '/tmp/x', 'nope')).toMatchObject({
      code: 2,
      stderr: 'tar: nope: Not found in archive\ntar: Exiting with failure status due to previous errors\n',
    });
    expect(run('install', '-m', '0755', '/tmp/x/traefik', '/usr/local/bin/traefik.new').code).toBe(0);
    expect(run('stat', '-c', '%a', '/usr/local/bin/traefik.new').stdout).toBe('755\n');
    expect(run(...curl, 'https://example.org/x.tgz')).toMatchObject({
      code: 6,
      stderr: 'curl: (6) Could not resolve host: example.org\n',
    });
    expect(run(...curl, 'https://github.com/traefik/traefik/releases/download/v9/other.tgz')).toMatchObject({
      code: 22,
      stderr: 'curl: (22) The requested URL returned error: 404\n',
    });
    expect(run(...curl.slice(0, -1), '/nodir/r.tgz', url)).toMatchObject({ code: 23 });
    expect(run('curl', '-fsSL', '--proto', '=https', '-o', '/tmp/y', 'http://github.com/x')).toMatchObject({
      code: 1,
      stderr: 'curl: (1) Protocol "http" not supported or disabled in libcurl\n',
    });
  });

  it('unknown options fail like the GNU tools', () => {
    expect(run('rm', '-z', '/etc/x')).toMatchObject({
      code: 1,
      stderr: "rm: invalid option -- 'z'\nTry 'rm --help' for more information.\n",
    });
    expect(run('grep', '-Z', 'x', '/etc/x').code).toBe(2);
  });
});
