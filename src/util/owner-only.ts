/**
 * Owner-only files and folders. Everything Phoenix keeps below `.phoenix/` (state, plan key,
 * token secrets, the simulator's cluster and SSH keys) is readable by its owner only: folders
 * 0700, files 0600, whatever the umask says.
 */
import { chmodSync, closeSync, lstatSync, mkdirSync, openSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';

/** The folder Phoenix keeps its own files in, next to (or instead of) the config. */
export const PHOENIX_DIR = '.phoenix';

/**
 * Creates `dir` (and missing parents) owner-only. An existing folder is tightened only when it is
 * a `.phoenix` folder: a `--state /tmp/x.db` must not change the mode of /tmp.
 */
export function ownerOnlyDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (basename(dir) === PHOENIX_DIR) chmodSync(dir, 0o700);
}

/** Creates `file` empty and 0600 when missing (so a library opening it later keeps the mode), else tightens it. */
export function ownerOnlyFile(file: string): void {
  try {
    closeSync(openSync(file, 'wx', 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  if ((lstatSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
}

/**
 * Tightens every folder and regular file below `root` (links are left alone), except the
 * folders `skip` says keep their own modes (the simulated nodes' file trees). Bounded.
 */
export function tightenTree(root: string, skip: (relative: string) => boolean = () => false, limit = 10_000): void {
  let seen = 0;
  const walk = (relative: string): void => {
    const abs = relative ? join(root, relative) : root;
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      if (++seen > limit) return;
      const rel = relative ? `${relative}/${entry.name}` : entry.name;
      if (skip(rel)) continue;
      const path = join(root, rel);
      if (entry.isDirectory()) {
        if ((lstatSync(path).mode & 0o777) !== 0o700) chmodSync(path, 0o700);
        walk(rel);
      } else if (entry.isFile() && (lstatSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
    }
  };
  walk('');
}
