/**
 * Public surface of src/config: load a config directory into typed values, validate it, and
 * resolve secret references. Everything else in this folder is internal.
 *
 * @example
 *   const loaded = await loadConfig('examples/homelab'); // throws ConfigError with all diagnostics
 *   for (const guest of loaded.config.guests) console.log(guest.id, guest.name, guest.node);
 */
import { ConfigError, type Diagnostic, type SourceLocation } from '../errors.ts';
import { parseConfigDir, type ParseOptions } from './load.ts';
import { partialConfig } from './partial.ts';
import { applyPlacement, placeGuests, type PlacementResult } from './placement.ts';
import type { PhoenixConfig } from './schema.ts';
import { checkSemantics } from './semantic/index.ts';
import { locate, type PathSegment } from './source-map.ts';

export type * from './schema.ts';
export { PhoenixConfig as PhoenixConfigSchema, PhoenixFile as PhoenixFileSchema, guestRoles } from './schema.ts';
export { resolveSecret, isSecretRef, type SecretContext } from './secrets.ts';
export { checkSecretReferences, locateSecretError, secretReferences } from './secret-refs.ts';
export { configJsonSchema } from './json-schema.ts';
export type { PathSegment } from './source-map.ts';
export { composedConfigSchema, type ConfigFragments, type ParseOptions } from './load.ts';
export { AUTO_NODE, cloneRoutes, placeGuests, type CloneRoute, type PlacementResult } from './placement.ts';

/** A valid config directory, merged and defaulted. */
export interface LoadedConfig {
  /** Absolute path of the config directory; relative paths in the config resolve against it. */
  dir: string;
  /** Config files read, relative to `dir`, root file first. */
  files: string[];
  config: PhoenixConfig;
  /** Non-fatal findings (validation passed). */
  warnings: Diagnostic[];
  /**
   * Where a value of `config` is written, e.g. `locate(['guests', 3, 'net', 0, 'ip'])`, so
   * later stages (plan, apply) can point errors at the user's file. Inherited values point
   * at the `defaults` entry they came from.
   */
  locate(path: readonly PathSegment[]): SourceLocation | undefined;
  /** Where each guest goes (`node: auto` already written into `config`); absent on partial configs. */
  placement?: PlacementResult;
}

export interface ValidationResult {
  /** Present when there are no errors. */
  loaded?: LoadedConfig;
  /** Config files read, relative to the directory (also when there are errors). */
  files: string[];
  /** Errors and warnings, in file order. */
  diagnostics: Diagnostic[];
}

/** Loads and checks a config directory; never throws for problems in the user's files. */
export async function validateConfig(dir: string, options: ParseOptions = {}): Promise<ValidationResult> {
  const parsed = await parseConfigDir(dir, options);
  if (!parsed.config) {
    // Schema errors confined to list items: still run the semantic checks on the other items.
    const partial = parsed.schemaIssuePaths ? partialConfig(parsed.raw, parsed.schemaIssuePaths) : undefined;
    const found = partial
      ? checkSemantics({
          dir: parsed.dir,
          files: parsed.files,
          config: partial.config,
          warnings: [],
          locate: partial.locate,
        }).filter(partial.keep)
      : [];
    return { files: parsed.files, diagnostics: sortDiagnostics([...parsed.diagnostics, ...found], parsed.files) };
  }
  const raw = parsed.raw;
  // `node: auto` becomes a node before anything else reads `guest.node` (placement.ts).
  const placement = placeGuests(parsed.config, options.placements, options.offlineNodes);
  applyPlacement(parsed.config, placement);
  const loaded: LoadedConfig = {
    dir: parsed.dir,
    files: parsed.files,
    config: parsed.config,
    warnings: [],
    locate: (path) => locate(raw, path).location,
    placement,
  };
  const found: Diagnostic[] = placement.problems.map((p) => ({
    severity: 'error',
    code: p.code,
    message: p.message,
    hint: p.hint,
    location: loaded.locate(['guests', p.index, 'node']),
  }));
  found.push(...checkSemantics(loaded));
  const diagnostics = sortDiagnostics([...parsed.diagnostics, ...found], parsed.files);
  loaded.warnings = diagnostics.filter((d) => d.severity === 'warning');
  const files = parsed.files;
  return diagnostics.some((d) => d.severity === 'error') ? { files, diagnostics } : { loaded, files, diagnostics };
}

/** Loads a config directory for use; throws ConfigError carrying every error found. */
export async function loadConfig(dir: string, options: ParseOptions = {}): Promise<LoadedConfig> {
  const result = await validateConfig(dir, options);
  if (result.loaded) return result.loaded;
  throw new ConfigError(result.diagnostics.filter((d) => d.severity === 'error'));
}

/** File order, then line and column; drops repeats (an inherited default fails once per guest). */
function sortDiagnostics(diagnostics: Diagnostic[], files: string[]): Diagnostic[] {
  const seen = new Set<string>();
  const unique = diagnostics.filter((d) => {
    const l = d.location;
    const key = `${d.code}|${d.message}|${l ? `${l.file}:${l.line}:${l.column}:${l.path}` : ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const rank = (d: Diagnostic): [number, number, number] => {
    const l = d.location;
    if (!l) return [-1, 0, 0];
    const index = files.indexOf(l.file);
    return [index < 0 ? files.length : index, l.line, l.column];
  };
  return unique
    .map((d, i) => ({ d, i, r: rank(d) }))
    .sort((a, b) => a.r[0] - b.r[0] || a.r[1] - b.r[1] || a.r[2] - b.r[2] || a.i - b.i)
    .map(({ d }) => d);
}
