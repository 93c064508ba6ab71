/**
 * The key saved plans are signed with (HMAC-SHA256, engine/plan/plan-file.ts): 32 random bytes
 * in `plan.key` beside the state file, owner-only, made on first use. A plan is applied with
 * the same state folder it was made with; an edited or foreign plan file is refused.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PhoenixError } from '../errors.ts';
import { ownerOnlyDir, ownerOnlyFile } from '../util/owner-only.ts';

export function planKeyPath(statePath: string): string {
  return join(dirname(statePath), 'plan.key');
}

export function planKey(statePath: string): Buffer {
  const path = planKeyPath(statePath);
  try {
    const key = readFileSync(path);
    if (key.length >= 32) return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new PhoenixError(`cannot read the plan key ${path}`, { code: 'E_PLAN_KEY', cause: error });
  }
  ownerOnlyDir(dirname(path));
  try {
    // `wx`: two processes making the first key at once keep the first one written.
    writeFileSync(path, randomBytes(32), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST')
      throw new PhoenixError(`cannot write the plan key ${path}`, {
        code: 'E_PLAN_KEY',
        cause: error,
        hint: 'check that the state folder is writable',
      });
  }
  ownerOnlyFile(path);
  return readFileSync(path);
}
