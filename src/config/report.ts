/**
 * Renders a validation result for people (file:line:column, message, YAML path, hint) and for
 * programs (a versioned JSON document). Pure: returns strings, the CLI decides where they go.
 */
import { join } from 'node:path';
import { colors, shouldColor } from '../util/color.ts';

// Validation output goes to stderr (errors) and stdout (summary); colour only on a TTY, never with NO_COLOR.
const pc = colors(shouldColor(process.stderr));
import type { Diagnostic } from '../errors.ts';
import type { ValidationResult } from './index.ts';

export const VALIDATE_FORMAT_VERSION = 1;

export interface ValidateJson {
  formatVersion: number;
  valid: boolean;
  dir: string;
  files: string[];
  errorCount: number;
  warningCount: number;
  diagnostics: Diagnostic[];
  summary?: Record<string, number>;
}

export function validationJson(dirArg: string, result: ValidationResult): ValidateJson {
  const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
  const config = result.loaded?.config;
  return {
    formatVersion: VALIDATE_FORMAT_VERSION,
    valid: errors === 0,
    dir: dirArg,
    files: result.files,
    errorCount: errors,
    warningCount: result.diagnostics.length - errors,
    diagnostics: result.diagnostics,
    ...(config && {
      summary: {
        nodes: config.cluster.nodes.length,
        templates: config.templates.length,
        guests: config.guests.length,
        stacks: config.stacks.length,
        routes: config.routes.length,
        certificates: config.certificates.length,
      },
    }),
  };
}

/** One block per diagnostic: `path/file.yaml:12:5: error: message (at guests[0].ip)` + hint. */
export function formatDiagnostic(dirArg: string, d: Diagnostic): string {
  const l = d.location;
  const where = l ? (l.line > 0 ? `${join(dirArg, l.file)}:${l.line}:${l.column}: ` : `${l.file}: `) : '';
  const label = d.severity === 'error' ? pc.red('error') : pc.yellow('warning');
  const at = l?.path ? pc.dim(` (at ${l.path})`) : '';
  const hint = d.hint ? `\n  ${pc.dim('hint:')} ${d.hint}` : '';
  return `${where}${label}: ${d.message}${at}${hint}\n`;
}

export function validationSummary(dirArg: string, json: ValidateJson): string {
  if (json.valid) {
    const s = json.summary ?? {};
    const warn = json.warningCount ? `, ${json.warningCount} warning(s)` : '';
    const count = (n: number | undefined, one: string): string => `${n ?? 0} ${one}${n === 1 ? '' : 's'}`;
    return `${pc.green('✔')} ${dirArg} is valid: ${count(s['guests'], 'guest')}, ${count(s['templates'], 'template')}, ${count(s['stacks'], 'stack')}, ${count(s['routes'], 'route')} in ${count(json.files.length, 'file')}${warn}\n`;
  }
  return `${pc.red('✖')} ${dirArg}: ${json.errorCount} error(s)${json.warningCount ? `, ${json.warningCount} warning(s)` : ''}\n`;
}
