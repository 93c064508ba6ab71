/**
 * Test-only: a `TargetShell` on this machine (optionally inside a network namespace), so the
 * gateway handler drives a real nginx in a private prefix exactly as it drives the guest's:
 * argv commands, and files replaced atomically (temp file + rename).
 */
import { execFile } from 'node:child_process';
import { chownSync, renameSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { TargetShell } from '../node/index.ts';

export function localShell(wrap: string[] = [], onExec?: (argv: readonly string[]) => void): TargetShell {
  return {
    target: { kind: 'lxc', node: 'local', vmid: 101 },
    exec(argv) {
      onExec?.(argv);
      const [bin, ...args] = [...wrap, ...argv];
      return new Promise((resolve) => {
        execFile(bin as string, args, { timeout: 30_000, encoding: 'utf8' }, (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
          resolve({ code, stdout, stderr });
        });
      });
    },
    async writeFile(path, content, options) {
      const temp = `${path}.phoenix-${randomBytes(4).toString('hex')}`;
      writeFileSync(temp, content, {
        mode: typeof options.mode === 'number' ? options.mode : parseInt(options.mode ?? '0644', 8),
      });
      if (options.owner === 'root') chownSync(temp, 0, 0);
      renameSync(temp, path);
    },
  };
}
