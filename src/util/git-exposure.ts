/**
 * Would `git add -A` pick this path up? Asked before Phoenix writes a secret (an API token's
 * value, shown by Proxmox only once) so it never lands in a file the next commit publishes.
 * Uses the real git: `.gitignore` rules, `info/exclude` and the global excludes all count.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';

export interface GitExposure {
  /** The work tree the path belongs to. */
  repository: string;
}

/** The work tree holding `path` when git would commit it (not ignored, or already tracked); else undefined. */
export function gitExposure(path: string): GitExposure | undefined {
  let dir = dirname(path);
  for (let i = 0; i < 64 && !existsSync(dir) && dirname(dir) !== dir; i++) dir = dirname(dir);
  const top = spawnSync('git', ['-C', dir, 'rev-parse', '--show-toplevel'], { encoding: 'utf8', timeout: 10_000 });
  // No git, or not inside a work tree: nothing would commit it.
  if (top.error || top.status !== 0) return undefined;
  const repository = top.stdout.trim();
  // Exit 0: ignored. 1: not ignored (a tracked file counts as not ignored). Other: outside the tree.
  const check = spawnSync('git', ['-C', repository, 'check-ignore', '-q', path], { timeout: 10_000 });
  return check.status === 1 ? { repository } : undefined;
}
