/**
 * The file tools the providers run inside a guest (GNU coreutils/findutils/grep as Debian ships
 * them), with the options Phoenix uses and the exit codes and messages of the common failures:
 * readlink, ln -s, mv (-T), cp -a, rm, mkdir, install, test, sha256sum/sha512sum. Paths are the
 * machine's: symlinks resolve inside its tree (`SimTree.resolve`), never on the host.
 */
import {
  chmodSync,
  copyFileSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  type Stats,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { fail, parseOptions, type Io } from './shell-io.ts';
import type { SimTree } from './sim-tree.ts';

export const FILE_COMMANDS = [
  'readlink',
  'ln',
  'mv',
  'cp',
  'rm',
  'mkdir',
  'install',
  'test',
  'sha256sum',
  'sha512sum',
] as const;

const q = (path: string): string => `'${path}'`;

/** lstat inside the machine (the last component not followed); undefined when absent. */
export function lstatIn(tree: SimTree, path: string): Stats | undefined {
  try {
    return lstatSync(tree.resolveLink(path));
  } catch {
    return undefined;
  }
}

/** stat inside the machine (symlinks followed); undefined when absent or dangling. */
export function statIn(tree: SimTree, path: string): Stats | undefined {
  try {
    return statSync(tree.resolve(path));
  } catch {
    return undefined;
  }
}

export function fileCommand(tree: SimTree, name: string, args: string[], io: Io): void {
  switch (name) {
    case 'readlink':
      return readlink(tree, args, io);
    case 'ln':
      return ln(tree, args);
    case 'mv':
      return mv(tree, args);
    case 'cp':
      return cp(tree, args);
    case 'rm':
      return rm(tree, args);
    case 'mkdir':
      return mkdir(tree, args);
    case 'install':
      return install(tree, args);
    case 'test':
      return test(tree, args);
    case 'sha256sum':
    case 'sha512sum':
      return checksum(tree, name, args, io);
  }
}

function readlink(tree: SimTree, args: string[], io: Io): void {
  const { flags, operands } = parseOptions('readlink', args, { flags: 'fenqs' });
  if (operands.length === 0) fail(1, `readlink: missing operand\nTry 'readlink --help' for more information.\n`);
  const end = flags.has('n') ? '' : '\n';
  let code = 0;
  for (const path of operands) {
    if (flags.has('f') || flags.has('e')) {
      // -f: every component but the last must exist; -e: all of them.
      const canonical = tree.canonical(path);
      const exists = flags.has('e') ? statIn(tree, path) : statIn(tree, posix.dirname(canonical));
      if (exists) io.out.push(`${canonical}${end}`);
      else code = 1;
      continue;
    }
    // Plain readlink: a symlink's target as written; anything else exits 1 without a word.
    if (lstatIn(tree, path)?.isSymbolicLink()) io.out.push(`${readlinkSync(tree.resolveLink(path))}${end}`);
    else code = 1;
  }
  if (code !== 0) fail(code, '');
}

function ln(tree: SimTree, args: string[]): void {
  const { flags, operands } = parseOptions('ln', args, { flags: 'sfnTv' });
  if (!flags.has('s')) fail(1, 'ln: only symbolic links (ln -s) are simulated\n');
  const [target, given] = operands;
  if (target === undefined) fail(1, `ln: missing file operand\nTry 'ln --help' for more information.\n`);
  if (given === undefined) fail(1, 'ln: a link name is required by the simulator (no relative paths)\n');
  let link = given as string;
  const existing = lstatIn(tree, link);
  // LINK naming a directory (or, without -n, a symlink to one) means "inside it", unless -T.
  const intoDir =
    !flags.has('T') &&
    existing !== undefined &&
    (existing.isDirectory() || (existing.isSymbolicLink() && !flags.has('n') && statIn(tree, link)?.isDirectory()));
  if (intoDir) link = posix.join(link, posix.basename(target as string));
  const present = lstatIn(tree, link);
  const denied = (why: string): never => fail(1, `ln: failed to create symbolic link ${q(link)}: ${why}\n`);
  if (present) {
    if (!flags.has('f')) denied('File exists');
    if (present.isDirectory()) fail(1, `ln: ${q(link)}: cannot overwrite directory\n`);
    rmSync(tree.resolveLink(link), { force: true });
  }
  if (!statIn(tree, posix.dirname(posix.normalize(link)))?.isDirectory()) denied('No such file or directory');
  symlinkSync(target as string, tree.resolveLink(link));
}

function mv(tree: SimTree, args: string[]): void {
  const { flags, operands } = parseOptions('mv', args, { flags: 'fTvn' });
  if (operands.length < 2)
    fail(
      1,
      `mv: missing ${operands.length === 0 ? 'file operand' : `destination file operand after ${q(operands[0] as string)}`}\nTry 'mv --help' for more information.\n`,
    );
  if (operands.length > 2) fail(1, 'mv: moving several files at once is not simulated\n');
  const [from, given] = operands as [string, string];
  const source = lstatIn(tree, from);
  if (!source) fail(1, `mv: cannot stat ${q(from)}: No such file or directory\n`);
  let to = given;
  if (!flags.has('T') && statIn(tree, given)?.isDirectory()) to = posix.join(given, posix.basename(from));
  if (flags.has('n') && lstatIn(tree, to)) return;
  try {
    renameSync(tree.resolveLink(from), tree.resolveLink(to));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') fail(1, `mv: cannot overwrite directory ${q(to)} with non-directory\n`);
    if (code === 'ENOTDIR') fail(1, `mv: cannot overwrite non-directory ${q(to)} with directory ${q(from)}\n`);
    const why = code === 'ENOTEMPTY' || code === 'EEXIST' ? 'Directory not empty' : 'No such file or directory';
    fail(1, `mv: cannot move ${q(from)} to ${q(to)}: ${why}\n`);
  }
  tree.moveOwners(from, to);
}

function cp(tree: SimTree, args: string[]): void {
  const { flags, operands } = parseOptions('cp', args, { flags: 'aRrpfPdT' });
  const recursive = flags.has('a') || flags.has('r') || flags.has('R');
  // -a (and -P/-d) copy symlinks as symlinks; otherwise they are followed.
  const keepLinks = flags.has('a') || flags.has('P') || flags.has('d');
  const preserve = flags.has('a') || flags.has('p');
  if (operands.length < 2)
    fail(
      1,
      `cp: missing ${operands.length === 0 ? 'file operand' : `destination file operand after ${q(operands[0] as string)}`}\nTry 'cp --help' for more information.\n`,
    );
  const dest = operands[operands.length - 1] as string;
  const sources = operands.slice(0, -1);
  const destIsDir = !flags.has('T') && statIn(tree, dest)?.isDirectory() === true;
  if (sources.length > 1 && !destIsDir) fail(1, `cp: target ${q(dest)} is not a directory\n`);
  const problems: string[] = [];
  for (const source of sources) {
    const info = keepLinks ? lstatIn(tree, source) : statIn(tree, source);
    if (!info) {
      problems.push(`cp: cannot stat ${q(source)}: No such file or directory\n`);
      continue;
    }
    if (info.isDirectory() && !recursive) {
      problems.push(`cp: -r not specified; omitting directory ${q(source)}\n`);
      continue;
    }
    // `cp -a dir/. dest/` copies the contents: basename('dir/.') is '.'.
    const target = destIsDir ? posix.join(dest, posix.basename(source)) : dest;
    if (!statIn(tree, posix.dirname(posix.normalize(target)))?.isDirectory()) {
      problems.push(`cp: cannot create regular file ${q(target)}: No such file or directory\n`);
      continue;
    }
    copyEntry(tree, source, target, keepLinks, preserve);
    if (preserve) tree.moveOwners(source, target, true);
  }
  if (problems.length > 0) fail(1, problems.join(''));
}

function copyEntry(tree: SimTree, source: string, target: string, keepLinks: boolean, preserve: boolean): void {
  const info = (keepLinks ? lstatIn(tree, source) : statIn(tree, source)) as Stats;
  const to = tree.resolveLink(target);
  if (info.isSymbolicLink()) {
    rmSync(to, { force: true });
    symlinkSync(readlinkSync(tree.resolveLink(source)), to);
    return;
  }
  if (info.isDirectory()) {
    if (!lstatIn(tree, target)?.isDirectory()) mkdirSync(to);
    for (const name of readdirSync(tree.resolve(source)).sort())
      copyEntry(tree, posix.join(source, name), posix.join(target, name), keepLinks, preserve);
    if (preserve) chmodSync(to, info.mode & 0o7777);
    return;
  }
  copyFileSync(tree.resolve(source), to);
  if (preserve) chmodSync(to, info.mode & 0o7777);
}

function rm(tree: SimTree, args: string[]): void {
  const { flags, operands } = parseOptions('rm', args, { flags: 'rRfdv', long: ['force', 'recursive'] });
  const force = flags.has('f') || flags.has('force');
  const recursive = flags.has('r') || flags.has('R') || flags.has('recursive');
  if (operands.length === 0 && !force) fail(1, `rm: missing operand\nTry 'rm --help' for more information.\n`);
  const problems: string[] = [];
  for (const path of operands) {
    const info = lstatIn(tree, path);
    if (!info) {
      if (!force) problems.push(`rm: cannot remove ${q(path)}: No such file or directory\n`);
      continue;
    }
    if (info.isDirectory() && !recursive) {
      problems.push(`rm: cannot remove ${q(path)}: Is a directory\n`);
      continue;
    }
    if (posix.normalize(path) === '/') {
      problems.push(`rm: it is dangerous to operate recursively on '/'\n`);
      continue;
    }
    rmSync(tree.resolveLink(path), { force: true, recursive });
    tree.dropOwners(path);
  }
  if (problems.length > 0) fail(1, problems.join(''));
}

function mkdir(tree: SimTree, args: string[]): void {
  const { flags, values, operands } = parseOptions('mkdir', args, { flags: 'pv', values: 'm' });
  if (operands.length === 0) fail(1, `mkdir: missing operand\nTry 'mkdir --help' for more information.\n`);
  const problems: string[] = [];
  for (const path of operands) {
    const existing = statIn(tree, path);
    if (existing) {
      if (!flags.has('p') || !existing.isDirectory())
        problems.push(`mkdir: cannot create directory ${q(path)}: File exists\n`);
      continue;
    }
    if (!flags.has('p') && !statIn(tree, posix.dirname(posix.normalize(path)))?.isDirectory()) {
      problems.push(`mkdir: cannot create directory ${q(path)}: No such file or directory\n`);
      continue;
    }
    try {
      mkdirSync(tree.resolve(path), { recursive: true });
    } catch {
      problems.push(`mkdir: cannot create directory ${q(path)}: Not a directory\n`);
      continue;
    }
    const mode = values.get('m');
    if (mode !== undefined) chmodSync(tree.resolve(path), Number.parseInt(mode, 8));
  }
  if (problems.length > 0) fail(1, problems.join(''));
}

function install(tree: SimTree, args: string[]): void {
  const { values, operands } = parseOptions('install', args, { flags: 'Dpv', values: 'mog' });
  const mode = values.get('m') ?? '0755';
  if (!/^[0-7]{3,4}$/.test(mode)) fail(1, `install: invalid mode '${mode}'\n`);
  const [source, given] = operands;
  if (source === undefined || given === undefined)
    fail(1, `install: missing file operand\nTry 'install --help' for more information.\n`);
  const info = statIn(tree, source as string);
  if (!info) fail(1, `install: cannot stat ${q(source as string)}: No such file or directory\n`);
  if (info?.isDirectory()) fail(1, `install: omitting directory ${q(source as string)}\n`);
  const target = statIn(tree, given as string)?.isDirectory()
    ? posix.join(given as string, posix.basename(source as string))
    : (given as string);
  if (!statIn(tree, posix.dirname(posix.normalize(target)))?.isDirectory())
    fail(1, `install: cannot create regular file ${q(target)}: No such file or directory\n`);
  const to = tree.resolveLink(target);
  rmSync(to, { force: true });
  copyFileSync(tree.resolve(source as string), to);
  chmodSync(to, Number.parseInt(mode, 8));
  tree.updateMeta((meta) => {
    meta.owners[posix.normalize(target)] = { user: values.get('o') ?? 'root', group: values.get('g') ?? 'root' };
  });
}

/** `test -e|-f|-d|-x|-s|-L|-h|-r|-w PATH` (the simulated user is root: -r/-w mean "exists"). */
function test(tree: SimTree, args: string[]): void {
  const [flag, path, ...extra] = args;
  if (path === undefined || extra.length > 0) fail(2, 'sh: 1: test: unexpected operator\n');
  const info = statIn(tree, path as string);
  const checks: Record<string, () => boolean> = {
    '-e': () => info !== undefined,
    '-f': () => info?.isFile() === true,
    '-d': () => info?.isDirectory() === true,
    '-s': () => info !== undefined && info.size > 0,
    '-x': () => info !== undefined && (info.mode & 0o111) !== 0,
    '-r': () => info !== undefined,
    '-w': () => info !== undefined,
    '-L': () => lstatIn(tree, path as string)?.isSymbolicLink() === true,
    '-h': () => lstatIn(tree, path as string)?.isSymbolicLink() === true,
  };
  const check = checks[flag as string];
  if (!check) fail(2, `sh: 1: test: ${flag}: unexpected operator\n`);
  if (!(check as () => boolean)()) fail(1, '');
}

/** Like coreutils: every file is tried, the missing ones reported, exit 1 if any failed. */
function checksum(tree: SimTree, tool: 'sha256sum' | 'sha512sum', args: string[], io: Io): void {
  const { operands } = parseOptions(tool, args, { flags: 'b' });
  const algorithm = tool === 'sha256sum' ? 'sha256' : 'sha512';
  const problems: string[] = [];
  for (const path of operands) {
    const info = statIn(tree, path);
    if (!info) problems.push(`${tool}: ${path}: No such file or directory\n`);
    else if (info.isDirectory()) problems.push(`${tool}: ${path}: Is a directory\n`);
    else
      io.out.push(
        `${createHash(algorithm)
          .update(readFileSync(tree.resolve(path)))
          .digest('hex')}  ${path}\n`,
      );
  }
  if (problems.length > 0) fail(1, problems.join(''));
}
