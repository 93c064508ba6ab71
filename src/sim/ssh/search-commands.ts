/**
 * find and grep as the providers use them inside a guest: `find START... [-mindepth N]
 * [-maxdepth N] [!|-not] [-type f|d|l] [-name GLOB] [-print] [-exec CMD {} +|;]` (no symlink is
 * followed, like find -P) and `grep [-rRhHsqEFvn] PATTERN PATH...` (basic regular expressions by
 * default), with findutils' and grep's exit codes: find 1 when a start point or an -exec failed,
 * grep 0 selected / 1 none / 2 error.
 */
import { readdirSync, readFileSync, type Stats } from 'node:fs';
import { posix } from 'node:path';
import { Exit, fail, parseOptions, type Io } from './shell-io.ts';
import { lstatIn, statIn } from './file-commands.ts';
import type { SimTree } from './sim-tree.ts';

/** Runs one argv in the same machine (for find -exec); throws `Exit` on failure. */
export type RunArgv = (argv: string[]) => void;

type Test = (entry: { path: string; info: Stats }) => boolean;

const typeLetter = (info: Stats): string => (info.isSymbolicLink() ? 'l' : info.isDirectory() ? 'd' : 'f');

/** A shell glob (`*`, `?`, `[...]`) as an anchored regular expression, for -name. */
export function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i += 1) {
    const c = glob[i] as string;
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) out += '\\[';
      else {
        out += `[${glob
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else out += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${out}$`, 's');
}

export function find(tree: SimTree, args: string[], io: Io, run: RunArgv): void {
  let at = 0;
  const starts: string[] = [];
  while (at < args.length && !/^[-!(]/.test(args[at] as string)) starts.push(args[at++] as string);
  let minDepth = 0;
  let maxDepth = Number.POSITIVE_INFINITY;
  const tests: Test[] = [];
  const batches: { argv: string[]; paths: string[] }[] = [];
  let acts = false;
  let negate = false;
  const value = (flag: string): string => {
    const v = args[at++];
    if (v === undefined) fail(1, `find: missing argument to \`${flag}'\n`);
    return v as string;
  };
  const add = (test: Test): void => {
    const wanted = !negate;
    negate = false;
    tests.push((entry) => test(entry) === wanted);
  };
  while (at < args.length) {
    const token = args[at++] as string;
    switch (token) {
      case '!':
      case '-not':
        negate = !negate;
        break;
      case '-mindepth':
      case '-maxdepth': {
        const text = value(token);
        if (!/^\d+$/.test(text))
          fail(1, `find: Expected a positive decimal integer argument to ${token}, but got '${text}'\n`);
        if (token === '-mindepth') minDepth = Number(text);
        else maxDepth = Number(text);
        break;
      }
      case '-type': {
        const letter = value(token);
        if (!['f', 'd', 'l'].includes(letter)) fail(1, `find: Unknown argument to -type: ${letter}\n`);
        add(({ info }) => typeLetter(info) === letter);
        break;
      }
      case '-name': {
        const pattern = globToRegExp(value(token));
        add(({ path }) => pattern.test(posix.basename(path)));
        break;
      }
      case '-print':
        acts = true;
        add(({ path }) => (io.out.push(`${path}\n`), true));
        break;
      case '-exec': {
        acts = true;
        const argv: string[] = [];
        while (at < args.length && args[at] !== '+' && args[at] !== ';') argv.push(args[at++] as string);
        const end = args[at++];
        if (end === undefined || argv.length === 0) fail(1, `find: missing argument to \`-exec'\n`);
        if (end === '+') {
          if (argv[argv.length - 1] !== '{}') fail(1, `find: In '-exec ... {} +' the '{}' must appear by itself\n`);
          const batch = { argv: argv.slice(0, -1), paths: [] as string[] };
          batches.push(batch);
          add(({ path }) => (batch.paths.push(path), true));
        } else {
          add(({ path }) => attempt(() => run(argv.map((a) => a.replaceAll('{}', path)))));
        }
        break;
      }
      default:
        fail(1, `find: unknown predicate \`${token}'\n`);
    }
  }
  if (!acts) tests.push(({ path }) => (io.out.push(`${path}\n`), true));
  const problems: string[] = [];
  const attempt = (action: () => void): boolean => {
    try {
      action();
      return true;
    } catch (error) {
      if (!(error instanceof Exit)) throw error;
      problems.push(error.text);
      return false;
    }
  };
  let visited = 0;
  const visit = (path: string, depth: number): void => {
    visited += 1;
    if (visited > 100_000) fail(1, 'find: the simulator stops after 100000 entries\n');
    const info = lstatIn(tree, path) as Stats;
    if (depth >= minDepth) {
      for (const test of tests) if (!test({ path, info })) break;
    }
    if (info.isDirectory() && depth < maxDepth) {
      for (const name of readdirSync(tree.resolveLink(path)).sort())
        visit(path.endsWith('/') ? `${path}${name}` : `${path}/${name}`, depth + 1);
    }
  };
  for (const start of starts.length > 0 ? starts : ['.']) {
    if (!start.startsWith('/')) {
      problems.push(`find: '${start}': relative paths are not supported by the simulator\n`);
      continue;
    }
    if (!lstatIn(tree, start)) {
      problems.push(`find: '${start}': No such file or directory\n`);
      continue;
    }
    visit(start, 0);
  }
  for (const batch of batches) if (batch.paths.length > 0) attempt(() => run([...batch.argv, ...batch.paths]));
  if (problems.length > 0) fail(1, problems.join(''));
}

/** A POSIX basic regular expression (GNU flavour: `\+ \? \|` work) as a JavaScript one. */
export function basicToRegExp(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const c = pattern[i] as string;
    if (c === '\\' && i + 1 < pattern.length) {
      const next = pattern[(i += 1)] as string;
      if ('(){}|+?'.includes(next)) out += next;
      else if (next === '<' || next === '>') out += '\\b';
      else if (/[wWsSb]/.test(next)) out += `\\${next}`;
      else out += next.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else if (c === '[') {
      let end = pattern.indexOf(']', i + (pattern[i + 1] === ']' || pattern[i + 2] === ']' ? 3 : 1));
      if (end < 0) end = pattern.length - 1;
      out += pattern.slice(i, end + 1).replace(/\\/g, '\\\\');
      i = end;
    } else if (c === '*' && (out === '' || out === '^')) out += '\\*';
    else if ('(){}|+?/'.includes(c)) out += `\\${c}`;
    else out += c;
  }
  return out;
}

export function grep(tree: SimTree, args: string[], io: Io): void {
  const { flags, values, operands } = parseOptions('grep', args, {
    flags: 'rRhHsqEFvnil',
    values: 'e',
    usageCode: 2,
  });
  const pattern = values.get('e') ?? operands.shift();
  if (pattern === undefined)
    fail(2, `Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n`);
  const source = flags.has('F')
    ? (pattern as string).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    : flags.has('E')
      ? (pattern as string)
      : basicToRegExp(pattern as string);
  let regex: RegExp;
  try {
    regex = new RegExp(source, flags.has('i') ? 'i' : '');
  } catch {
    return fail(2, 'grep: Invalid regular expression\n');
  }
  const recursive = flags.has('r') || flags.has('R');
  const quiet = flags.has('q');
  const problems: string[] = [];
  let selected = false;
  const files: string[] = [];
  const walk = (path: string, top: boolean): void => {
    // -r follows symlinks named on the command line only; -R follows all of them.
    const info = top || flags.has('R') ? statIn(tree, path) : lstatIn(tree, path);
    if (!info) {
      problems.push(`grep: ${path}: No such file or directory\n`);
      return;
    }
    if (info.isSymbolicLink()) return;
    if (info.isDirectory()) {
      if (!recursive) {
        problems.push(`grep: ${path}: Is a directory\n`);
        return;
      }
      for (const name of readdirSync(tree.resolve(path)).sort()) walk(posix.join(path, name), false);
      return;
    }
    files.push(path);
  };
  const named = flags.has('H') || (!flags.has('h') && (recursive || operands.length > 1));
  if (operands.length === 0 && !recursive) {
    scan('(standard input)', io.stdin.toString('utf8'));
  } else {
    for (const path of operands) {
      if (!path.startsWith('/')) problems.push(`grep: ${path}: relative paths are not supported by the simulator\n`);
      else walk(path, true);
    }
  }
  for (const file of files) scan(file, readFileSync(tree.resolve(file), 'utf8'));
  function scan(name: string, text: string): void {
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    let listed = false;
    lines.forEach((line, index) => {
      if (regex.test(line) === flags.has('v')) return;
      selected = true;
      if (quiet || listed) return;
      if (flags.has('l')) {
        io.out.push(`${name}\n`);
        listed = true;
        return;
      }
      io.out.push(`${named ? `${name}:` : ''}${flags.has('n') ? `${index + 1}:` : ''}${line}\n`);
    });
  }
  if (quiet && selected) return;
  if (problems.length > 0) fail(2, flags.has('s') ? '' : problems.join(''));
  if (!selected) fail(1, '');
}
