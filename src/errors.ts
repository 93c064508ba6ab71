/**
 * Phoenix's error vocabulary. Every error a user can cause or meet carries a stable `code`,
 * a one-line `summary`, an optional `hint` that says how to fix it, and where it applies:
 * a config `location` (file, line, column, YAML path) or a `resource` address.
 *
 * The CLI prints these without a stack trace; anything that is not a PhoenixError is a bug
 * in Phoenix and is printed with its stack so it can be reported.
 */

/** Where in the user's config a problem sits. Lines and columns are 1-based. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
  /** YAML path inside the file, e.g. `guests[2].net[0].ip`. */
  path: string;
}

export type Severity = 'error' | 'warning';

/** One finding of validation: collected, never thrown one at a time. */
export interface Diagnostic {
  severity: Severity;
  code: string;
  message: string;
  hint?: string;
  location?: SourceLocation;
}

export interface PhoenixErrorOptions {
  code: string;
  hint?: string;
  detail?: string;
  location?: SourceLocation;
  resource?: string;
  cause?: unknown;
}

export class PhoenixError extends Error {
  readonly code: string;
  readonly hint?: string;
  readonly detail?: string;
  readonly location?: SourceLocation;
  readonly resource?: string;

  constructor(summary: string, options: PhoenixErrorOptions) {
    super(summary, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
    this.hint = options.hint;
    this.detail = options.detail;
    this.location = options.location;
    this.resource = options.resource;
  }
}

/** The config is invalid: carries every diagnostic found, not just the first. */
export class ConfigError extends PhoenixError {
  readonly diagnostics: Diagnostic[];

  constructor(diagnostics: Diagnostic[], summary = `configuration has ${diagnostics.length} error(s)`) {
    super(summary, { code: 'E_CONFIG', location: diagnostics[0]?.location, hint: diagnostics[0]?.hint });
    this.diagnostics = diagnostics;
  }
}

/** A call to a managed system failed; `resource` and the system's own answer are kept. */
export class ProviderError extends PhoenixError {}

/** Applying a plan failed part-way; what was done is in the journal. */
export class ApplyError extends PhoenixError {}

/** The user asked the CLI for something it cannot do (bad flag, missing file). */
export class CliError extends PhoenixError {}

export function isPhoenixError(value: unknown): value is PhoenixError {
  return value instanceof PhoenixError;
}

/** `file:line:column` for messages, or the bare file when the position is unknown. */
export function formatLocation(location: SourceLocation): string {
  return location.line > 0 ? `${location.file}:${location.line}:${location.column}` : location.file;
}
