/**
 * Persistence of a standalone simulator (`phoenix sim --state FILE`): the model snapshot, the
 * access state, the bootstrap token and the TLS material, written atomically (tmp + rename,
 * mode 0600) after mutating requests (debounced) and at stop; read back at start.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { CliError } from '../../errors.ts';
import type { AccessSnapshot } from '../access/store.ts';
import type { TlsMaterial } from './tls.ts';

export interface SimStateFile {
  version: 1;
  model: unknown;
  access: AccessSnapshot;
  /** The printed Phoenix token (`root@pam!phoenix`), so restarts print the same one. */
  bootstrapToken?: { id: string; secret: string };
  tls?: TlsMaterial;
}

export function readStateFile(file: string): SimStateFile | undefined {
  if (!existsSync(file)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CliError(`simulator state file ${file} is not valid JSON`, {
      code: 'E_SIM_STATE',
      hint: 'move it away to start with a fresh simulated cluster',
      cause: error,
    });
  }
  if ((parsed as { version?: unknown }).version !== 1) {
    throw new CliError(`simulator state file ${file} has an unknown format`, {
      code: 'E_SIM_STATE',
      hint: 'move it away to start with a fresh simulated cluster',
    });
  }
  return parsed as SimStateFile;
}

export function writeStateFile(file: string, state: SimStateFile): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(state), { mode: 0o600 });
  renameSync(tmp, file);
}

/** Calls `save` at most once per `delayMs` after `touch()`; `flush()` saves now if pending. */
export function debounced(save: () => void, delayMs: number): { touch(): void; flush(): void; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  return {
    touch() {
      timer ??= setTimeout(() => {
        timer = undefined;
        save();
      }, delayMs);
    },
    flush() {
      if (timer) {
        clearTimeout(timer);
        timer = undefined;
        save();
      }
    },
    cancel() {
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
