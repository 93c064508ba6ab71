/**
 * The config pipeline up to typed values: discover files → read YAML with positions → merge →
 * inherit defaults → parse with the zod schema. Returns diagnostics instead of throwing, so
 * `phoenix validate` can print every problem at once. Semantic checks run afterwards (semantic/).
 */
import { readFile, stat } from 'node:fs/promises';
import type { ZodType } from 'zod';
import { join, resolve } from 'node:path';
import type { Diagnostic } from '../errors.ts';
import { discoverConfig, ROOT_FILES } from './discover.ts';
import { unreadableDiagnostic } from './fs-errors.ts';
import { isRawMap, mergeInto, withDefaults, type RawMap } from './merge.ts';
import { readYaml } from './read-yaml.ts';
import { PhoenixConfig } from './schema.ts';
import { issuesToDiagnostics } from './schema-issues.ts';
import { entryPosition, Position, setContainerMeta, setEntryPosition, type PathSegment } from './source-map.ts';

const MAX_FILE_BYTES = 4 * 1024 * 1024;

export interface ParsedConfig {
  dir: string;
  files: string[];
  /** The merged raw value (positions attached); paths of `config` resolve against it. */
  raw: RawMap;
  config?: PhoenixConfig;
  diagnostics: Diagnostic[];
  /** Paths of the schema issues, when parsing got as far as the schema (see partial.ts). */
  schemaIssuePaths?: PathSegment[][];
}

/** Extra top-level sections providers contribute (`Provider.configFragment`), by key. */
export type ConfigFragments = Readonly<Record<string, ZodType>>;

export interface ParseOptions {
  fragments?: ConfigFragments;
  /** Nodes chosen for `node: auto` guests by earlier runs (vmid → node), kept unless gone. */
  placements?: ReadonlyMap<number, string>;
  /** Nodes the cluster reports down: no new `node: auto` guest is placed there. */
  offlineNodes?: ReadonlySet<string>;
}

/** The config schema with the providers' fragments composed in (each an optional section). */
export function composedConfigSchema(fragments: ConfigFragments = {}): typeof PhoenixConfig {
  if (Object.keys(fragments).length === 0) return PhoenixConfig;
  return PhoenixConfig.extend(fragments) as unknown as typeof PhoenixConfig;
}

export async function parseConfigDir(dirArg: string, options: ParseOptions = {}): Promise<ParsedConfig> {
  const dir = resolve(dirArg);
  const diagnostics: Diagnostic[] = [];
  const raw: RawMap = Object.create(null) as RawMap;
  const dirLocation = { file: dirArg, line: 0, column: 0, path: '' };
  const fail = (code: string, message: string, hint: string): ParsedConfig => ({
    dir,
    files: [],
    raw,
    diagnostics: [{ severity: 'error', code, message, hint, location: dirLocation }],
  });

  let statError: unknown;
  const info = await stat(dir).catch((error: unknown) => {
    statError = error;
    return undefined;
  });
  if (!info && (statError as NodeJS.ErrnoException | undefined)?.code !== 'ENOENT')
    return { dir, files: [], raw, diagnostics: [unreadableDiagnostic('folder', dirArg, dir, statError)] };
  if (!info)
    return fail('E_CONFIG_DIR', `config directory not found: ${dirArg}`, 'pass the folder holding phoenix.yaml');
  if (!info.isDirectory()) {
    return fail('E_CONFIG_DIR', `not a directory: ${dirArg}`, 'pass the folder holding phoenix.yaml, not a file');
  }
  const { files, problems } = await discoverConfig(dir);
  // A file that cannot be read as config is an error: dropping it would drop what it declares.
  diagnostics.push(...problems);
  if (diagnostics.length > 0 && files.length === 0) return { dir, files, raw, diagnostics };
  if (!files[0] || !(ROOT_FILES as readonly string[]).includes(files[0])) {
    return fail(
      'E_NO_ROOT_FILE',
      `no phoenix.yaml in ${dirArg}`,
      'create phoenix.yaml with "version: 1" (see examples/homelab)',
    );
  }
  setContainerMeta(raw, new Position(files[0], 0, undefined, undefined));

  const texts = await Promise.all(
    files.map(async (file) => {
      const path = join(dir, file);
      try {
        const size = (await stat(path)).size;
        return size > MAX_FILE_BYTES ? undefined : await readFile(path, 'utf8');
      } catch (error) {
        return unreadableDiagnostic('file', file, path, error);
      }
    }),
  );
  files.forEach((file, index) => {
    const text = texts[index];
    if (typeof text === 'object') {
      diagnostics.push(text);
      return;
    }
    if (text === undefined) {
      diagnostics.push({
        severity: 'error',
        code: 'E_FILE_TOO_LARGE',
        message: `file is larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB`,
        hint: 'split it into several files',
        location: { file, line: 1, column: 1, path: '' },
      });
      return;
    }
    const parsed = readYaml(file, text);
    diagnostics.push(...parsed.diagnostics);
    if (parsed.value === undefined || parsed.value === null) return;
    if (!isRawMap(parsed.value)) {
      diagnostics.push({
        severity: 'error',
        code: 'E_SCHEMA',
        message: 'a config file must be a mapping of sections (version, guests, stacks, ...)',
        hint: 'start the file with a section name such as "guests:"',
        location: { file, line: 1, column: 1, path: '' },
      });
      return;
    }
    mergeInto(raw, parsed.value, [], diagnostics);
  });
  // Syntax errors stop here; warnings (e.g. an ambiguous YAML anchor) travel on with the checks.
  if (diagnostics.some((d) => d.severity === 'error')) return { dir, files, raw, diagnostics };

  applyGuestDefaults(raw);
  const schema = composedConfigSchema(options.fragments);
  const result = schema.safeParse(raw);
  if (!result.success) {
    diagnostics.push(...issuesToDiagnostics(result.error.issues, schema, raw));
    const schemaIssuePaths = result.error.issues.map((i) =>
      i.path.filter((p): p is PathSegment => typeof p !== 'symbol'),
    );
    return { dir, files, raw, diagnostics, schemaIssuePaths };
  }
  return { dir, files, raw, config: result.data, diagnostics };
}

/**
 * Replaces each raw guest with `defaults.<type>` laid under it, and fills a missing `node`
 * when the cluster has exactly one (the common single-host case).
 */
function applyGuestDefaults(raw: RawMap): void {
  const guests = raw['guests'];
  if (!Array.isArray(guests)) return;
  const defaults = isRawMap(raw['defaults']) ? raw['defaults'] : undefined;
  const cluster = isRawMap(raw['cluster']) ? raw['cluster'] : undefined;
  const nodes = Array.isArray(cluster?.['nodes']) ? (cluster['nodes'] as unknown[]) : [];
  const onlyNode = nodes.length === 1 && isRawMap(nodes[0]) ? nodes[0] : undefined;
  guests.forEach((guest, index) => {
    if (!isRawMap(guest)) return;
    const type = guest['type'];
    const inherited =
      typeof type === 'string' && defaults && isRawMap(defaults[type]) && guest['inheritDefaults'] !== false
        ? defaults[type]
        : undefined;
    const merged = inherited ? withDefaults(guest, inherited) : guest;
    if (merged['node'] === undefined && onlyNode && typeof onlyNode['name'] === 'string') {
      merged['node'] = onlyNode['name'];
      const position = entryPosition(onlyNode, 'name');
      if (position) setEntryPosition(merged, 'node', position);
    }
    if (merged !== guest) {
      guests[index] = merged;
      const position = entryPosition(guests, index);
      if (position) setEntryPosition(guests, index, position);
    }
  });
}
