/**
 * Secret references: `env:NAME` reads an environment variable, `file:path` reads a file
 * (relative to the config directory, trailing newline trimmed). Values are returned to the
 * caller only: never logged, never put in errors.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { PhoenixError } from '../errors.ts';

export interface SecretContext {
  configDir: string;
  env: Record<string, string | undefined>;
}

const REF = /^(env):([A-Za-z_][A-Za-z0-9_]*)$|^(file):(\S.*)$/;

export function isSecretRef(value: string): boolean {
  return REF.test(value);
}

/** Resolves a reference to the secret's value; throws PhoenixError (without the value) if absent. */
export async function resolveSecret(ref: string, context: SecretContext): Promise<string> {
  const match = REF.exec(ref);
  if (!match) {
    throw new PhoenixError('not a secret reference', {
      code: 'E_SECRET_REF',
      hint: 'write "env:NAME" or "file:path/to/secret"',
    });
  }
  if (match[1] === 'env') {
    const name = match[2] as string;
    const value = context.env[name];
    if (value === undefined || value === '') {
      throw new PhoenixError(`secret ${ref}: environment variable ${name} is not set`, {
        code: 'E_SECRET_MISSING',
        hint: `export ${name}=... before running phoenix`,
      });
    }
    return value;
  }
  const relative = match[4] as string;
  const path = isAbsolute(relative) ? relative : join(context.configDir, relative);
  try {
    return (await readFile(path, 'utf8')).replace(/\r?\n$/, '');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new PhoenixError(`secret ${ref}: cannot read the file (${code})`, {
      code: 'E_SECRET_MISSING',
      hint: `create ${path} or fix the path (relative to the config directory)`,
    });
  }
}
