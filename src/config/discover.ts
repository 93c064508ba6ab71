/**
 * Finds the YAML files of a config directory: the root `phoenix.yaml` first, then every other
 * `*.yaml`/`*.yml` below it in path order (so merged lists have a stable order). Compose files
 * (`compose.yaml`, `docker-compose.yml`, `*.compose.yaml`), folders named `files/` (stack
 * payloads), hidden entries and node_modules are not config and are skipped.
 *
 * Symbolic links are followed when their target stays inside the config directory (a file
 * reached twice is read once). A link that leaves the directory, loops or dangles is an error
 * located at the link: skipping it silently would drop what it declares from the config, and a
 * later `--prune` would delete those objects (issue 8).
 */
import type { Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join, relative as relativePath, sep } from 'node:path';
import type { Diagnostic } from '../errors.ts';
import { unreadableDiagnostic } from './fs-errors.ts';

export const ROOT_FILES = ['phoenix.yaml', 'phoenix.yml'] as const;
const MAX_FILES = 5000;
const MAX_DEPTH = 8;

export function isComposeFile(name: string): boolean {
  return /(^|\.)(docker-)?compose\.ya?ml$/i.test(name);
}

const isYamlName = (name: string): boolean => /\.ya?ml$/i.test(name) && !isComposeFile(name);

export interface DiscoveredConfig {
  /** Relative paths ("/"-separated) of config files; the root file first when present. */
  files: string[];
  /** Entries that look like config but cannot be read as such (links out, loops, dangling). */
  problems: Diagnostic[];
}

interface Found {
  path: string;
  real: string;
  viaLink: boolean;
}

export async function discoverConfig(dir: string): Promise<DiscoveredConfig> {
  const root = await realpath(dir);
  const found: Found[] = [];
  const problems: Diagnostic[] = [];
  const problem = (path: string, message: string, hint: string) =>
    problems.push({
      severity: 'error',
      code: 'E_CONFIG_LINK',
      message,
      hint,
      location: { file: path, line: 0, column: 0, path: '' },
    });
  const inside = (real: string) => real === root || real.startsWith(root + sep);

  /** Where a link leads, or undefined after reporting why it cannot be followed. */
  const follow = async (path: string, absolute: string) => {
    let real: string;
    try {
      real = await realpath(absolute);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ELOOP') problem(path, `symbolic link ${path} loops`, 'point the link at a real file or folder');
      else problem(path, `symbolic link ${path} points at nothing (${code ?? 'unreadable'})`, 'fix or remove the link');
      return undefined;
    }
    if (!inside(real)) {
      problem(
        path,
        `symbolic link ${path} leads outside the config directory (${real})`,
        'copy the file into the config directory, or link to a file inside it',
      );
      return undefined;
    }
    return { real, info: await stat(real) };
  };

  const walk = async (relative: string, depth: number, ancestors: string[]): Promise<void> => {
    if (depth > MAX_DEPTH || found.length >= MAX_FILES) return;
    // A folder that cannot be listed is reported (with the reason) and the walk goes on.
    const entries: Dirent[] = await readdir(join(dir, relative), { withFileTypes: true }).catch((error: unknown) => {
      problems.push(unreadableDiagnostic('folder', relative || '.', join(dir, relative), error));
      return [];
    });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      const absolute = join(dir, path);
      if (entry.isSymbolicLink()) {
        const target = await follow(path, absolute);
        if (!target) continue;
        if (target.info.isDirectory()) {
          if (entry.name === 'files') continue;
          if (ancestors.includes(target.real)) {
            problem(
              path,
              `symbolic link ${path} loops (it leads back to ${relativeOf(target.real)})`,
              'remove the link',
            );
            continue;
          }
          await walk(path, depth + 1, [...ancestors, target.real]);
        } else if (isYamlName(entry.name)) {
          if (!target.info.isFile()) problem(path, `${path} is not a regular file`, 'point the link at a YAML file');
          else if (found.length < MAX_FILES) found.push({ path, real: target.real, viaLink: true });
        }
      } else if (entry.isDirectory()) {
        if (entry.name !== 'files') await walk(path, depth + 1, [...ancestors, join(root, path)]);
      } else if (isYamlName(entry.name)) {
        if (!entry.isFile())
          problems.push({
            severity: 'error',
            code: 'E_CONFIG_FILE',
            message: `${path} is not a regular file`,
            hint: 'config files must be plain YAML files',
            location: { file: path, line: 0, column: 0, path: '' },
          });
        else if (found.length < MAX_FILES) found.push({ path, real: join(root, path), viaLink: false });
      }
    }
  };
  const relativeOf = (real: string) => relativePath(root, real) || '.';
  await walk('', 0, [root]);

  // A file reached by a link and directly (or by two links) is read once, under its own path.
  const byReal = new Map<string, Found>();
  for (const f of found) {
    const seen = byReal.get(f.real);
    if (!seen || (seen.viaLink && !f.viaLink)) byReal.set(f.real, f);
  }
  const kept = found.filter((f) => byReal.get(f.real) === f).map((f) => f.path);
  const rootFile = kept.find((f) => (ROOT_FILES as readonly string[]).includes(f));
  return { files: rootFile ? [rootFile, ...kept.filter((f) => f !== rootFile)] : kept, problems };
}

/** Relative paths of config files; the root file first when present (problems dropped). */
export async function discoverConfigFiles(dir: string): Promise<string[]> {
  return (await discoverConfig(dir)).files;
}
