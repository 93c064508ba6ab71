/**
 * Where a secret Phoenix receives (an API token's value, shown once by PVE) goes: only into the
 * place the config names with a `file:` reference, written 0600 through a temp file and rename.
 * The value never reaches a plan, a log, a journal note or an error.
 */
import { existsSync, mkdirSync, renameSync, writeFileSync, accessSync, constants } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { PhoenixError } from '../../errors.ts';
import { gitExposure } from '../../util/git-exposure.ts';

export interface SecretSink {
  /** True when the reference already holds a secret. */
  has(ref: string): boolean;
  /** Throws a PhoenixError (before anything is created) when `store` could not succeed. */
  assertWritable(ref: string): void;
  store(ref: string, value: string): Promise<void>;
}

function pathOf(configDir: string, ref: string): string {
  if (!ref.startsWith('file:'))
    throw new PhoenixError(`secret ${ref}: Phoenix can only store secrets in file: references`, {
      code: 'E_SECRET_SINK',
      hint: 'write "file:secrets/<name>" (relative to the config directory)',
    });
  const rel = ref.slice('file:'.length);
  return isAbsolute(rel) ? rel : join(configDir, rel);
}

/**
 * Refuses a secret file git would commit: the config directory is usually a git work tree
 * and `git add -A` would publish the token in plain text (issue 8).
 */
function assertNotCommittable(ref: string, path: string): void {
  const exposed = gitExposure(path);
  if (!exposed) return;
  throw new PhoenixError(`secret ${ref}: ${path} is not ignored by git (repository ${exposed.repository})`, {
    code: 'E_SECRET_NOT_IGNORED',
    hint: 'a secret written there would be committed by the next `git add -A`: add `.phoenix/` (or the secret file) to .gitignore, or point the reference outside the repository',
  });
}

/** Stores secrets as files below (or relative to) the config directory. */
export function fileSecretSink(configDir: string): SecretSink {
  return {
    has: (ref) => existsSync(pathOf(configDir, ref)),
    assertWritable(ref) {
      const path = pathOf(configDir, ref);
      let dir = dirname(path);
      while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
      try {
        accessSync(dir, constants.W_OK);
      } catch {
        throw new PhoenixError(`secret ${ref}: ${dir} is not writable`, {
          code: 'E_SECRET_SINK',
          hint: 'make the directory writable before apply: the token secret is shown only once',
        });
      }
      assertNotCommittable(ref, path);
    },
    async store(ref, value) {
      const path = pathOf(configDir, ref);
      assertNotCommittable(ref, path);
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      const tmp = `${path}.tmp-${process.pid}`;
      writeFileSync(tmp, `${value}\n`, { mode: 0o600 });
      renameSync(tmp, path);
    },
  };
}

/** An in-memory sink for tests. */
export function memorySecretSink(): SecretSink & { values: Map<string, string> } {
  const values = new Map<string, string>();
  return {
    values,
    has: (ref) => values.has(ref),
    assertWritable: () => undefined,
    store: async (ref, value) => {
      values.set(ref, value);
    },
  };
}

/** Refuses: used when no sink is configured, so a token is never created with its secret lost. */
export const noSecretSink: SecretSink = {
  // Unknown is not "lost": never rotate a token because no store was configured.
  has: () => true,
  assertWritable(ref) {
    throw new PhoenixError(`secret ${ref}: no secret store is configured`, {
      code: 'E_SECRET_SINK',
      hint: 'create API tokens through `phoenix apply` with a config directory',
    });
  },
  store: () => Promise.reject(new Error('no secret store is configured')),
};
