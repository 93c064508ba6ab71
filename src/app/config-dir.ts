/**
 * Which config directory a command works on: `-c DIR` when given, otherwise the current
 * directory (like terraform). `phoenix up` alone, in a directory without phoenix.yaml, uses
 * the example shipped with Phoenix and says so — the first-run demo.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ROOT_FILES } from '../config/discover.ts';

/** examples/homelab of this installation (src/app and dist/app are both two levels down). */
export const BUNDLED_EXAMPLE = fileURLToPath(new URL('../../examples/homelab', import.meta.url));

export interface ConfigDirChoice {
  dir: string;
  /** True when the bundled example was chosen because the current directory holds no config. */
  bundled: boolean;
}

function hasRootFile(dir: string): boolean {
  return ROOT_FILES.some((f) => existsSync(`${dir}/${f}`));
}

export function configDirOf(
  options: { config?: string },
  fallback: 'none' | 'bundled-example' = 'none',
  cwd: string = process.cwd(),
): ConfigDirChoice {
  if (options.config !== undefined) return { dir: options.config, bundled: false };
  if (fallback === 'bundled-example' && !hasRootFile(cwd)) return { dir: BUNDLED_EXAMPLE, bundled: true };
  return { dir: cwd, bundled: false };
}
