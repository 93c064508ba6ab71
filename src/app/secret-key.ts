/**
 * The key the state's secrets are encrypted with (state/secrets.ts): 32 random bytes in
 * `secrets.key` beside the state file, owner-only, made on first use — never inside the
 * database, so the database alone reveals no secret.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PhoenixError } from '../errors.ts';
import { ownerOnlyDir, ownerOnlyFile } from '../util/owner-only.ts';

export function secretsKeyPath(statePath: string): string {
  return join(dirname(statePath), 'secrets.key');
}

export function secretsKey(statePath: string): Buffer {
  const path = secretsKeyPath(statePath);
  try {
    const key = readFileSync(path);
    if (key.length === 32) return key;
    throw new PhoenixError(`the secrets key ${path} is not 32 bytes`, { code: 'E_SECRETS_KEY' });
  } catch (error) {
    if (error instanceof PhoenixError) throw error;
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new PhoenixError(`cannot read the secrets key ${path}`, { code: 'E_SECRETS_KEY', cause: error });
  }
  ownerOnlyDir(dirname(path));
  try {
    // `wx`: two processes making the first key at once keep the first one written.
    writeFileSync(path, randomBytes(32), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST')
      throw new PhoenixError(`cannot write the secrets key ${path}`, {
        code: 'E_SECRETS_KEY',
        cause: error,
        hint: 'check that the state folder is writable',
      });
  }
  ownerOnlyFile(path);
  return readFileSync(path);
}
