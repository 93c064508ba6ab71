/**
 * Finds the YAML files of a config directory: the root `phoenix.yaml` first, then every other
 * `*.yaml`/`*.yml` below it in path order (so merged lists have a stable order). Compose files
 * (`compose.yaml`, `docker-compose.yml`, `*.compose.yaml`), folders named `files/` (stack
 * payloads), hidden entries and node_modules are not config and are skipped.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Diagnostic } from '../errors.ts';
import { unreadableDiagnostic } from './fs-errors.ts';

export const ROOT_FILES = ['phoenix.yaml', 'phoenix.yml'] as const;
const MAX_FILES = 5000;
const MAX_DEPTH = 8;

export function isComposeFile(name: string): boolean {
  return /(^|\.)(docker-)?compose\.ya?ml$/i.test(name);
}

/**
 * Relative paths ("/"-separated) of config files; the root file first when present. A folder
 * that cannot be listed is reported in `problems` (with the reason) and the walk goes on.
 */
export async function discoverConfigFiles(dir: string, problems: Diagnostic[] = []): Promise<string[]> {
  const found: string[] = [];
  const walk = async (relative: string, depth: number): Promise<void> => {
    if (depth > MAX_DEPTH || found.length >= MAX_FILES) return;
    const entries = await readdir(join(dir, relative), { withFileTypes: true }).catch((error: unknown) => {
      problems.push(unreadableDiagnostic('folder', relative || '.', join(dir, relative), error));
      return [];
    });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (entry.name !== 'files') await walk(path, depth + 1);
      } else if (entry.isFile() && /\.ya?ml$/i.test(entry.name) && !isComposeFile(entry.name)) {
        if (found.length < MAX_FILES) found.push(path);
      }
    }
  };
  await walk('', 0);
  const root = found.find((f) => (ROOT_FILES as readonly string[]).includes(f));
  return root ? [root, ...found.filter((f) => f !== root)] : found;
}
