/**
 * A "shell" is one place typed operations run: the node itself (SSH), an LXC guest (SSH to its
 * node, then `pct exec` / `pct push`), or a VM (QEMU guest agent through the Proxmox API).
 * Every operation in this folder is written once against `TargetShell`; the target decides the
 * transport. Commands are argv arrays, never shell strings.
 */
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import type { CommandStep } from '../../clients/ssh/shell-quote.ts';
import {
  commandFailed,
  modeString,
  sha256Hex,
  type ExecOptions,
  type ExecResult,
  type WriteFileOptions,
} from '../../clients/ssh/ssh-client.ts';

export type { ExecResult, WriteFileOptions };

/** Where an operation runs. `node` is the Proxmox node that hosts the guest (or is the target). */
export type TargetRef =
  | { kind: 'node'; node: string }
  | { kind: 'lxc'; node: string; vmid: number }
  | { kind: 'vm'; node: string; vmid: number };

export function describeTarget(target: TargetRef): string {
  return target.kind === 'node' ? `node ${target.node}` : `${target.kind === 'lxc' ? 'CT' : 'VM'} ${target.vmid}`;
}

/** A file as observed: content hash (never the content itself, which may be secret), mode, owner. */
export interface FileObservation {
  sha256: string;
  mode: string;
  owner: string;
  group: string;
}

export interface TargetShell {
  readonly target: TargetRef;
  /** Run a command; a non-zero exit is returned, not thrown. */
  exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  /** Replace a file atomically (temp file + rename in the same directory). */
  writeFile(path: string, content: string | Buffer, options: WriteFileOptions): Promise<void>;
  /** Read a (non-secret) file without running a command, where the transport offers it (VM agent file-read: a GET). */
  readFile?(path: string): Promise<string>;
}

/** The SSH side a node shell needs; `SshClient` implements it, and so can a test double. */
export interface NodeTransport {
  exec(command: CommandStep[] | readonly string[], options?: ExecOptions): Promise<ExecResult>;
  writeFileAtomic(path: string, content: string | Buffer, options?: WriteFileOptions): Promise<void>;
}

export function nodeShell(node: string, ssh: NodeTransport): TargetShell {
  return {
    target: { kind: 'node', node },
    exec: (argv, options) => ssh.exec(argv, options),
    writeFile: (path, content, options) => ssh.writeFileAtomic(path, content, options),
  };
}

/**
 * An LXC guest through its node: `pct exec <vmid> -- argv`, and for files a node temp file,
 * `pct push` into a temp path next to the target inside the guest, then `mv -f` inside the guest
 * (pct push alone would write the target in place).
 */
export function lxcShell(node: string, vmid: number, ssh: NodeTransport): TargetShell {
  const target: TargetRef = { kind: 'lxc', node, vmid };
  const where = `${node}/CT ${vmid}`;
  const exec = (argv: readonly string[], options?: ExecOptions): Promise<ExecResult> =>
    ssh.exec(['pct', 'exec', String(vmid), '--', ...argv], options);
  return {
    target,
    exec,
    async writeFile(path, content, options) {
      const nonce = randomBytes(6).toString('hex');
      const nodeTemp = `/tmp/.phoenix-push-${vmid}-${nonce}`;
      const guestTemp = posix.join(posix.dirname(path), `.${posix.basename(path)}.phoenix-${nonce}`);
      await ssh.writeFileAtomic(nodeTemp, content, { mode: '0600' });
      try {
        const push = ['pct', 'push', String(vmid), nodeTemp, guestTemp, '--perms', modeString(options.mode ?? '0644')];
        if (options.owner !== undefined) push.push('--user', options.owner);
        if (options.group !== undefined) push.push('--group', options.group);
        const pushed = await ssh.exec(push);
        if (pushed.code !== 0) throw commandFailed(where, push, pushed);
        const moved = await exec(['mv', '-f', guestTemp, path]);
        if (moved.code !== 0) throw commandFailed(where, ['mv', '-f', guestTemp, path], moved);
      } finally {
        await ssh.exec(['rm', '-f', nodeTemp]).catch(() => undefined);
      }
    },
  };
}

/** Observe a file through any shell: `stat` + `sha256sum` in one round trip; null when absent. */
export async function observeFile(shell: TargetShell, path: string): Promise<FileObservation | null> {
  const stat = await shell.exec(['stat', '-c', '%a %U %G', path], { idempotent: true });
  if (stat.code !== 0) {
    if (/No such file or directory/.test(stat.stderr)) return null;
    throw commandFailed(describeTarget(shell.target), ['stat', path], stat);
  }
  const sum = await shell.exec(['sha256sum', path], { idempotent: true });
  if (sum.code !== 0) throw commandFailed(describeTarget(shell.target), ['sha256sum', path], sum);
  const [mode = '', owner = '', group = ''] = stat.stdout.trim().split(/\s+/);
  return { sha256: sum.stdout.trim().split(/\s+/)[0] ?? '', mode: modeString(mode), owner, group };
}

export { sha256Hex };
