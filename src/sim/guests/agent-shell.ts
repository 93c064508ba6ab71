/**
 * The QEMU guest agent on the node-shell interpreter. When the simulator runs its node side
 * (`enableAgentShell(ctx, dataDir)`, done when SSH is on), a VM's `agent/exec`, `agent/file-write` and
 * `agent/file-read` work on `<dir>/guests/<vmid>/root/` — the tree `pct` uses for containers —
 * so Phoenix's VM shell (stat, sha256sum, chmod, chown, mv ...) works against the simulator and
 * tests can inspect VM files on disk. Without it the routes keep the small in-memory guest OS.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { guestDirectoryFor } from '../ssh/guest-directory.ts';
import { simGuestExec, type SimGuestExec } from '../ssh/guest-exec.ts';
import type { SimContext } from '../state/context.ts';
import type { Guest } from '../state/guests.ts';
import type { ExecResult } from './guest-os.ts';

// Kept beside the context rather than in it: the model's state stays serializable and unaware of disks.
const shellDirs = new WeakMap<SimContext, string>();

/** Routes this model's QEMU agent calls to the per-guest file trees under `dataDir`. */
export function enableAgentShell(ctx: SimContext, dataDir: string): void {
  shellDirs.set(ctx, dataDir);
}

function shellFor(ctx: SimContext, guest: Guest): SimGuestExec | undefined {
  const dir = shellDirs.get(ctx);
  if (dir === undefined) return undefined;
  return simGuestExec(dir, guest.node, guestDirectoryFor(guest.node, ctx.guests));
}

/** Runs argv in the VM's tree; undefined when the node side is off. */
export function agentShellExec(
  ctx: SimContext,
  guest: Guest,
  argv: readonly string[],
  input?: string,
): ExecResult | undefined {
  const shell = shellFor(ctx, guest);
  if (!shell) return undefined;
  const result = shell.exec(guest.vmid, argv, input);
  return { exitcode: result.code, out: result.stdout, err: result.stderr };
}

/**
 * Writes a file in the VM's tree: 'written', 'missing-dir' (QGA cannot open it, like the real
 * agent) or undefined when the node side is off.
 */
export function agentShellWrite(
  ctx: SimContext,
  guest: Guest,
  path: string,
  content: string,
): 'written' | 'missing-dir' | undefined {
  const shell = shellFor(ctx, guest);
  if (!shell) return undefined;
  const host = shell.tree(guest.vmid).resolve(path);
  try {
    writeFileSync(host, content);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing-dir';
    throw error;
  }
  return 'written';
}

/** Reads a file of the VM's tree: its text, null when absent, undefined when the node side is off. */
export function agentShellRead(ctx: SimContext, guest: Guest, path: string): string | null | undefined {
  const shell = shellFor(ctx, guest);
  if (!shell) return undefined;
  try {
    return readFileSync(shell.tree(guest.vmid).resolve(path), 'utf8');
  } catch {
    return null;
  }
}
