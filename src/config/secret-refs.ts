/**
 * Secret references in a loaded config: where each one is (a path, so a problem is located),
 * whether it resolves (the variable is set, the file is there and readable) and whether a secret
 * file is kept private. Values are read only to prove they can be, never returned or printed.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { PhoenixError, type Diagnostic } from '../errors.ts';
import { fsReason } from './fs-errors.ts';
import type { LoadedConfig } from './index.ts';
import type { PathSegment } from './source-map.ts';

const REF = /^(env):([A-Za-z_][A-Za-z0-9_]*)$|^(file):(\S.*)$/;
/** Free text and user variables may look like a reference without being one. */
const NOT_SECRETS = new Set(['comment', 'description', 'variables']);

export interface SecretUse {
  path: PathSegment[];
  ref: string;
  /** Phoenix writes this file (an API token secret on creation): it need not exist yet. */
  written: boolean;
}

/** Every `env:`/`file:` reference of the config, in config order. */
export function secretReferences(config: unknown): SecretUse[] {
  const out: SecretUse[] = [];
  const walk = (value: unknown, path: PathSegment[]): void => {
    if (typeof value === 'string') {
      if (REF.test(value)) out.push({ path, ref: value, written: isWrittenSecret(path) });
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, [...path, i]));
    } else if (value && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) if (!NOT_SECRETS.has(key)) walk(item, [...path, key]);
    }
  };
  walk(config, []);
  return out;
}

function isWrittenSecret(path: readonly PathSegment[]): boolean {
  return path.length === 4 && path[0] === 'host' && path[1] === 'tokens' && path[3] === 'secret';
}

function filePath(dir: string, relative: string): string {
  return isAbsolute(relative) ? relative : join(dir, relative);
}

/**
 * Located diagnostics: an unset variable or unreadable file is an error (plan or apply would
 * fail on it later), a file group or others can read is a warning.
 */
export function checkSecretReferences(loaded: LoadedConfig, env: Record<string, string | undefined>): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const use of secretReferences(loaded.config)) {
    const location = loaded.locate(use.path);
    const match = REF.exec(use.ref);
    if (!match) continue;
    if (match[1] === 'env') {
      const name = match[2] as string;
      if (!env[name]) {
        out.push({
          severity: 'error',
          code: 'E_SECRET_MISSING',
          message: `secret ${use.ref}: environment variable ${name} is not set`,
          hint: `export ${name}=... where phoenix runs (or pass --no-resolve-secrets to check the files only)`,
          location,
        });
      }
      continue;
    }
    const relative = match[4] as string;
    const path = filePath(loaded.dir, relative);
    let mode: number;
    try {
      const info = statSync(path);
      if (!info.isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
      accessSync(path, constants.R_OK);
      mode = info.mode & 0o777;
    } catch (error) {
      const absent = (error as NodeJS.ErrnoException).code === 'ENOENT';
      if (use.written && absent) continue;
      out.push({
        severity: 'error',
        code: 'E_SECRET_MISSING',
        message: `secret ${use.ref}: cannot read the file: ${fsReason(error)}`,
        hint: absent
          ? `create ${path} (paths are relative to the config directory)`
          : `make ${path} a file readable by the user running phoenix`,
        location,
      });
      continue;
    }
    if ((mode & 0o077) !== 0) {
      const who = (mode & 0o070) !== 0 && (mode & 0o007) !== 0 ? 'group and others' : mode & 0o070 ? 'group' : 'others';
      out.push({
        severity: 'warning',
        code: 'W_SECRET_PERMS',
        message: `secret file ${relative} is readable by ${who} (mode 0${mode.toString(8)})`,
        hint: `chmod 600 ${path}`,
        location,
      });
    }
  }
  return out;
}

/** The error of a failed `resolveSecret`, located at the (first) place the reference is used. */
export function locateSecretError(error: unknown, loaded: LoadedConfig, ref: string): unknown {
  if (!(error instanceof PhoenixError) || error.location) return error;
  const use = secretReferences(loaded.config).find((u) => u.ref === ref);
  const location = use && loaded.locate(use.path);
  if (!location) return error;
  return new PhoenixError(error.message, { code: error.code, hint: error.hint, location, cause: error });
}
