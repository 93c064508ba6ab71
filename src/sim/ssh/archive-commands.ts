/**
 * curl and tar inside a simulated guest. curl serves only the simulator's own release archives
 * (`../guests/release-archives.ts`) and never opens a socket: any other address fails like an
 * unreachable host (exit 6) or a missing file on a release host (exit 22 with -f). tar extracts
 * gzip'd ustar archives (`tar -xzf ARCHIVE [-C DIR] [MEMBER...]`) with GNU tar's messages.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { posix } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { releaseArchive, RELEASE_HOSTS } from '../guests/release-archives.ts';
import { fail, parseOptions, type Io } from './shell-io.ts';
import { statIn } from './file-commands.ts';
import type { SimTree } from './sim-tree.ts';

export function curl(tree: SimTree, args: string[], io: Io): void {
  const { flags, values, operands } = parseOptions('curl', args, {
    flags: 'fsSLk',
    values: 'o',
    long: ['fail', 'silent', 'show-error', 'location'],
    longValues: ['proto', 'max-time', 'output', 'connect-timeout'],
    usageCode: 2,
  });
  const showErrors = !(flags.has('s') || flags.has('silent')) || flags.has('S') || flags.has('show-error');
  const failWith = (code: number, text: string): never => fail(code, showErrors ? `curl: (${code}) ${text}\n` : '');
  const [raw] = operands;
  if (raw === undefined) return failWith(2, 'no URL specified');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return failWith(3, 'URL using bad/illegal format or missing URL');
  }
  const scheme = url.protocol.slice(0, -1);
  const proto = values.get('proto');
  const allowed = proto?.startsWith('=') ? proto.slice(1).split(',') : ['http', 'https', 'ftp', 'file'];
  if (!allowed.includes(scheme)) return failWith(1, `Protocol "${scheme}" not supported or disabled in libcurl`);
  if (!RELEASE_HOSTS.includes(url.hostname)) return failWith(6, `Could not resolve host: ${url.hostname}`);
  const body = releaseArchive(url);
  if (!body) {
    if (flags.has('f') || flags.has('fail')) return failWith(22, 'The requested URL returned error: 404');
    io.out.push('Not Found');
    return;
  }
  const output = values.get('o') ?? values.get('output');
  if (output === undefined) {
    io.out.push(body);
    return;
  }
  if (!statIn(tree, posix.dirname(posix.normalize(output)))?.isDirectory())
    return failWith(23, 'Failure writing output to destination');
  writeFileSync(tree.resolve(output), body);
}

interface TarEntry {
  name: string;
  mode: number;
  type: string;
  content: Buffer;
}

function readTar(data: Buffer): TarEntry[] {
  const entries: TarEntry[] = [];
  let at = 0;
  while (at + 512 <= data.length) {
    const header = data.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const text = (from: number, length: number) =>
      header
        .subarray(from, from + length)
        .toString('utf8')
        .replace(/\0.*$/s, '');
    const size = Number.parseInt(text(124, 12).trim() || '0', 8);
    const prefix = text(345, 155);
    const name = prefix ? `${prefix}/${text(0, 100)}` : text(0, 100);
    entries.push({
      name: name.replace(/^\.\//, ''),
      mode: Number.parseInt(text(100, 8).trim() || '644', 8),
      type: text(156, 1) || '0',
      content: data.subarray(at + 512, at + 512 + size),
    });
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return entries;
}

export function tar(tree: SimTree, args: string[]): void {
  const { flags, values, operands } = parseOptions('tar', args, { flags: 'xzvo', values: 'fC', usageCode: 2 });
  const fatal = 'tar: Error is not recoverable: exiting now\n';
  if (!flags.has('x')) fail(2, "tar: only extraction (tar -x) is simulated\nTry 'tar --help' for more information.\n");
  const archive = values.get('f');
  if (archive === undefined)
    fail(2, 'tar: Refusing to read archive contents from terminal (missing -f option?)\n' + fatal);
  const file = statIn(tree, archive as string);
  if (!file?.isFile()) {
    const open = `${archive}: Cannot open: No such file or directory\n`;
    if (flags.has('z'))
      fail(2, `tar (child): ${open}tar (child): ${fatal.slice(5)}tar: Child returned status 2\n${fatal}`);
    fail(2, `tar: ${open}${fatal}`);
  }
  let data = readFileSync(tree.resolve(archive as string));
  if (flags.has('z')) {
    try {
      data = gunzipSync(data);
    } catch {
      fail(2, `\ngzip: stdin: not in gzip format\ntar: Child returned status 1\n${fatal}`);
    }
  }
  const dir = values.get('C') ?? '/root';
  if (!statIn(tree, dir)?.isDirectory()) fail(2, `tar: ${dir}: Cannot open: No such file or directory\n${fatal}`);
  const entries = readTar(data);
  const wanted = new Set(operands);
  const problems: string[] = [];
  for (const entry of entries) {
    if (wanted.size > 0 && !wanted.has(entry.name)) continue;
    if (entry.name.split('/').includes('..')) {
      problems.push(`tar: Removing leading \`../' from member names\n`);
      continue;
    }
    const target = posix.join(dir, entry.name);
    if (entry.type === '5') {
      mkdirSync(tree.resolve(target), { recursive: true });
      continue;
    }
    if (entry.type !== '0') continue;
    mkdirSync(tree.resolve(posix.dirname(target)), { recursive: true });
    writeFileSync(tree.resolve(target), entry.content);
    chmodSync(tree.resolve(target), entry.mode & 0o7777);
  }
  for (const name of wanted)
    if (!entries.some((e) => e.name === name)) problems.push(`tar: ${name}: Not found in archive\n`);
  if (problems.length > 0) fail(2, `${problems.join('')}tar: Exiting with failure status due to previous errors\n`);
}
