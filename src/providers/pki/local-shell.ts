/**
 * The shell of this machine, rooted at a directory (the environment's config directory): where
 * Phoenix keeps certificates of its own clients, whose private keys never leave this machine.
 * Relative paths resolve against the root; commands run with it as their working directory
 * (argv, no shell). Files are written atomically (temp file + rename in the same directory) with
 * their mode; they belong to the user running Phoenix (owner/group are not changed).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { ExecResult, TargetShell } from '../node/shell.ts';

/** How certificate messages name this machine (a TargetShell's target is a node or guest; this is neither). */
export const LOCAL_TARGET_LABEL = 'this machine';

export function localShell(root: string): TargetShell {
  const at = (path: string): string => resolve(root, path);
  return {
    // Only used in messages: describeTarget gives "node this machine".
    target: { kind: 'node', node: LOCAL_TARGET_LABEL },
    exec: (argv, options) =>
      new Promise<ExecResult>((done) => {
        const [file, ...args] = argv;
        execFile(
          file ?? 'true',
          args,
          { cwd: root, timeout: options?.timeoutMs ?? 60_000, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
          (error, stdout, stderr) => {
            const code = error ? (typeof error.code === 'number' ? error.code : 127) : 0;
            done({ code, stdout, stderr: stderr || (error && code === 127 ? error.message : '') });
          },
        );
      }),
    async writeFile(path, content, options) {
      const target = at(path);
      await mkdir(dirname(target), { recursive: true, mode: 0o700 });
      const temp = resolve(dirname(target), `.${randomBytes(6).toString('hex')}.phoenix-tmp`);
      const mode = typeof options.mode === 'number' ? options.mode : parseInt(options.mode ?? '0600', 8);
      try {
        // Created with its final mode (no window where a key is readable by others), then the umask undone.
        await writeFile(temp, content, { mode, flag: 'wx' });
        await chmod(temp, mode);
        await rename(temp, target);
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
    },
  };
}
