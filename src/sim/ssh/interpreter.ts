/**
 * The simulator's node shell: carries out exactly the commands Phoenix's node shell sends
 * (file ops, pct exec/push, systemctl, apt-get/dpkg-query, exportfs) against a SimTree, with
 * the exit codes and first lines of the real tools. Unknown commands exit 127 like sh does.
 */
import { chmodSync, copyFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, posix } from 'node:path';
import { parseCommandLine, ShellSyntaxError, type ParsedStep } from './tokenize.ts';
import type { SimTree } from './sim-tree.ts';
import { systemCommand } from './system-commands.ts';
import { FILE_COMMANDS, fileCommand } from './file-commands.ts';
import { find, grep } from './search-commands.ts';
import { curl, tar } from './archive-commands.ts';
import { nginxCommand, type NginxCheckOptions } from './nginx-command.ts';
import { Exit, fail, type Io } from './shell-io.ts';

/** What the cluster model tells the SSH server about guests (wired by startSimulator). */
export interface GuestDirectory {
  guestExists(vmid: number): boolean;
  guestRunning(vmid: number): boolean;
  /** `lxc` or `qemu`; `pct` only works on containers. Defaults to lxc when absent. */
  guestType?(vmid: number): 'lxc' | 'qemu' | undefined;
}

export interface ShellContext {
  node: string;
  /** How `nginx -t` finds the real nginx (tests); default: this machine's, CI from the environment. */
  nginx?: NginxCheckOptions;
  tree: SimTree;
  guests: GuestDirectory;
  guestTree(vmid: number): SimTree;
}

export interface ShellResult {
  code: number;
  stdout: string;
  /** stdout's exact bytes (file contents may be binary). */
  stdoutBytes: Buffer;
  stderr: string;
}

/** Run a whole command line (`a && b > f && c`). */
export function runCommandLine(ctx: ShellContext, line: string, stdin: Buffer): ShellResult {
  let steps: ParsedStep[];
  try {
    steps = parseCommandLine(line);
  } catch (error) {
    if (error instanceof ShellSyntaxError) {
      return { code: 2, stdout: '', stdoutBytes: Buffer.alloc(0), stderr: `sh: 1: ${error.message}\n` };
    }
    throw error;
  }
  const io: Io = { stdin, out: [], err: [], umask: 0o022 };
  for (const step of steps) {
    const result = runStep(ctx, ctx.tree, step, io);
    if (result.code !== 0) return { code: result.code, ...output(io), stderr: io.err.join('') + result.stderr };
  }
  return { code: 0, ...output(io), stderr: io.err.join('') };
}

function output(io: Io): { stdout: string; stdoutBytes: Buffer } {
  const stdoutBytes = Buffer.concat(io.out.map((part) => (typeof part === 'string' ? Buffer.from(part) : part)));
  return { stdout: stdoutBytes.toString('utf8'), stdoutBytes };
}

function runStep(ctx: ShellContext, tree: SimTree, step: ParsedStep, io: Io): { code: number; stderr: string } {
  try {
    if (step.redirectTo !== undefined) {
      if (step.argv.join(' ') !== 'cat') fail(2, `sh: redirect is only simulated for plain cat\n`);
      const target = tree.resolve(step.redirectTo);
      if (!existsSync(dirname(target))) fail(2, `sh: 1: cannot create ${step.redirectTo}: Directory nonexistent\n`);
      writeFileSync(target, io.stdin, { mode: 0o666 & ~io.umask });
      return { code: 0, stderr: '' };
    }
    command(ctx, tree, step.argv, io);
    return { code: 0, stderr: '' };
  } catch (error) {
    if (error instanceof Exit) return { code: error.code, stderr: error.text };
    const message = error instanceof Error ? error.message : String(error);
    return { code: 1, stderr: `${step.argv[0]}: ${message}\n` };
  }
}

function command(ctx: ShellContext, tree: SimTree, argv: string[], io: Io): void {
  const [name, ...args] = argv;
  const missing = (tool: string, path: string): never => fail(1, `${tool}: ${path}: No such file or directory\n`);
  switch (name) {
    case 'true':
      return;
    case 'umask':
      io.umask = Number.parseInt(args[0] ?? '022', 8);
      return;
    case 'env': {
      const rest = [...args];
      while (rest[0]?.includes('=')) rest.shift();
      return command(ctx, tree, rest, io);
    }
    case 'cat':
      for (const path of args) {
        const file = tree.resolve(path);
        if (!existsSync(file)) missing('cat', path);
        io.out.push(readFileSync(file));
      }
      return;
    case 'stat': {
      if (args[0] !== '-c' || args[1] === undefined) fail(1, 'stat: only `stat -c FORMAT` is simulated\n');
      for (const path of args.slice(2)) {
        const file = tree.resolve(path);
        if (!existsSync(file)) fail(1, `stat: cannot statx '${path}': No such file or directory\n`);
        const info = statSync(file);
        const owner = tree.ownerOf(path);
        const values: Record<string, string> = {
          a: (info.mode & 0o7777).toString(8),
          U: owner.user,
          G: owner.group,
          s: String(info.size),
          n: path,
          F: info.isDirectory() ? 'directory' : 'regular file',
        };
        io.out.push(`${(args[1] as string).replace(/%([aUGsnF])/g, (_m, key: string) => values[key] ?? '')}\n`);
      }
      return;
    }
    case 'chmod': {
      const [mode, ...paths] = args;
      if (mode === undefined || !/^[0-7]{3,4}$/.test(mode)) return fail(1, `chmod: invalid mode: '${mode ?? ''}'\n`);
      for (const path of paths) {
        if (!existsSync(tree.resolve(path))) fail(1, `chmod: cannot access '${path}': No such file or directory\n`);
        chmodSync(tree.resolve(path), Number.parseInt(mode, 8));
      }
      return;
    }
    case 'chown': {
      const [spec, ...paths] = args;
      const [user, group] = (spec ?? '').split(':');
      for (const path of paths) {
        if (!existsSync(tree.resolve(path))) fail(1, `chown: cannot access '${path}': No such file or directory\n`);
        tree.updateMeta((meta) => {
          const key = posix.normalize(path);
          const old = meta.owners[key] ?? { user: 'root', group: 'root' };
          meta.owners[key] = { user: user || old.user, group: group ?? old.group };
        });
      }
      return;
    }
    case 'pct':
      return pct(ctx, args, io);
    case 'find':
      return find(tree, args, io, (inner) => command(ctx, tree, inner, io));
    case 'grep':
      return grep(tree, args, io);
    case 'tar':
      return tar(tree, args);
    case 'curl':
      return needs(tree, 'curl', () => curl(tree, args, io));
    case 'nginx':
      return needs(tree, 'nginx', () => nginxCommand(tree, args, io, ctx.nginx));
    case 'systemctl':
    case 'kill':
    case 'apt-get':
    case 'dpkg-query':
    case 'exportfs':
    case 'id':
    case 'useradd':
    case 'update-ca-certificates':
      return systemCommand(tree, name, args, io, ctx.nginx);
    default:
      if ((FILE_COMMANDS as readonly string[]).includes(name ?? '')) return fileCommand(tree, name as string, args, io);
      fail(127, `sh: 1: ${name ?? ''}: not found\n`);
  }
}

/** A tool from a package is there only once the package is installed in this machine. */
function needs(tree: SimTree, pkg: string, run: () => void): void {
  if (!tree.readMeta().packages.includes(pkg)) fail(127, `sh: 1: ${pkg}: not found\n`);
  run();
}

function pct(ctx: ShellContext, args: string[], io: Io): void {
  const [verb, vmidText, ...rest] = args;
  const vmid = Number(vmidText);
  if ((verb !== 'exec' && verb !== 'push') || !Number.isInteger(vmid) || vmid < 100) {
    fail(255, `400 unable to parse pct arguments\n`);
  }
  if (!ctx.guests.guestExists(vmid) || (ctx.guests.guestType?.(vmid) ?? 'lxc') !== 'lxc') {
    fail(255, `Configuration file 'nodes/${ctx.node}/lxc/${vmid}.conf' does not exist\n`);
  }
  if (!ctx.guests.guestRunning(vmid)) fail(255, `CT ${vmid} not running\n`);
  const guest = ctx.guestTree(vmid);
  if (verb === 'exec') {
    if (rest[0] !== '--' || rest.length < 2) fail(255, 'pct exec: expected `-- <command>`\n');
    const result = runStep(ctx, guest, { argv: rest.slice(1) }, io);
    if (result.code !== 0) fail(result.code, result.stderr);
    return;
  }
  const [source, dest, ...options] = rest;
  if (source === undefined || dest === undefined) return fail(255, 'pct push: missing <file> <destination>\n');
  const option = (flag: string): string | undefined => {
    const at = options.indexOf(flag);
    return at >= 0 ? options[at + 1] : undefined;
  };
  const from = ctx.tree.resolve(source);
  if (!existsSync(from)) fail(255, `can't open '${source}' - No such file or directory\n`);
  const to = guest.resolve(dest);
  if (!existsSync(dirname(to))) fail(255, `failed to open ${dest}: No such file or directory\n`);
  copyFileSync(from, to);
  chmodSync(to, Number.parseInt(option('--perms') ?? '0644', 8));
  guest.updateMeta((meta) => {
    meta.owners[posix.normalize(dest)] = { user: option('--user') ?? 'root', group: option('--group') ?? 'root' };
  });
}
