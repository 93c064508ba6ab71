/**
 * File system errors said the way a user can act on them: which path, the reason in words
 * (not an errno alone) and how to fix it. Used wherever the config layer reads the disk.
 */
import type { Diagnostic } from '../errors.ts';

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'not found',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'is a folder, not a file',
  ELOOP: 'too many levels of symbolic links',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
};

/** "permission denied (EACCES)", or the error's own message when it has no errno code. */
export function fsReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (!code) return error instanceof Error ? error.message : String(error);
  return `${REASONS[code] ?? 'cannot be read'} (${code})`;
}

export function isPermissionError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EACCES' || code === 'EPERM';
}

function whoAmI(): string {
  const uid = process.getuid?.();
  return uid === undefined ? 'the user running phoenix' : `the user running phoenix (uid ${uid})`;
}

/** A located error for a config file or folder that could not be read. */
export function unreadableDiagnostic(
  kind: 'file' | 'folder',
  relative: string,
  absolute: string,
  error: unknown,
): Diagnostic {
  const hint = isPermissionError(error)
    ? `make it readable by ${whoAmI()} (chmod / chown)${kind === 'folder' ? ', or rename it with a leading dot to keep it out of the config' : ''}`
    : 'fix or remove it';
  return {
    severity: 'error',
    code: 'E_UNREADABLE',
    message: `cannot read ${kind} ${absolute}: ${fsReason(error)}`,
    hint,
    location: { file: relative, line: 0, column: 0, path: '' },
  };
}
