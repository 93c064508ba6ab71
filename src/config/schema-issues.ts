/**
 * Turns zod issues into Phoenix diagnostics: a short message naming the field, the position
 * the value came from (see source-map.ts), and a one-line hint. Unknown keys get a
 * "did you mean" from the keys the schema allows at that place.
 */
import { distance } from 'fastest-levenshtein';
import type { z } from 'zod';
import type { Diagnostic, SourceLocation } from '../errors.ts';
import { hintFor, SECRET_LITERAL_MESSAGE } from './schema-common.ts';
import { allowedKeys, describeField } from './schema-keys.ts';
import { formatPath, locate, type PathSegment } from './source-map.ts';

type Issue = z.core.$ZodIssue;

export function issuesToDiagnostics(issues: readonly Issue[], schema: z.ZodType, raw: unknown): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((s): s is PathSegment => typeof s !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      const known = allowedKeys(schema, raw, path);
      for (const key of issue.keys) {
        const suggestion = closest(key, known);
        out.push({
          severity: 'error',
          code: 'E_UNKNOWN_KEY',
          message: `unknown key "${key}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`,
          hint: suggestion
            ? `rename it to "${suggestion}"`
            : `allowed keys here: ${known.slice(0, 12).join(', ')}${known.length > 12 ? ', ...' : ''}`,
          location: where(raw, [...path, key], true),
        });
      }
      continue;
    }
    const value = valueAt(raw, path);
    const field = fieldName(path);
    // A literal (`version: 1`) reports absence as invalid_value, other types as invalid_type.
    if (value === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_value')) {
      out.push({
        severity: 'error',
        code: 'E_MISSING_FIELD',
        message: `missing required field "${field}"`,
        hint: `add "${field}:" (${expectedText(issue)})`,
        location: where(raw, path, false),
      });
      continue;
    }
    // Never echo what sits in a secret field: a wrongly typed value may still be the secret.
    const text = describeIssue(issue, isSecretPath(path) ? redacted(value) : value);
    out.push({
      severity: 'error',
      code: issue.message === SECRET_LITERAL_MESSAGE ? 'E_SECRET_LITERAL' : 'E_SCHEMA',
      message: field ? `${field} ${text}` : text,
      hint: hintFor(issue.message) ?? fieldHint(issue, describeField(schema, raw, path)) ?? defaultHint(issue),
      location: where(raw, path, false),
    });
  }
  return out;
}

/** The position for `path`; a missing tail is appended to the parent's YAML path. */
function where(raw: unknown, path: PathSegment[], key: boolean): SourceLocation | undefined {
  const found = locate(raw, path, { key });
  if (!found.location) return undefined;
  if (found.exact) return found.location;
  let depth = 0;
  for (let i = 1; i <= path.length; i++) if (locate(raw, path.slice(0, i)).exact) depth = i;
  const tail = formatPath(path.slice(depth));
  const base = found.location.path;
  const joined = base ? (tail.startsWith('[') ? base + tail : `${base}.${tail}`) : tail;
  return { ...found.location, path: joined };
}

function valueAt(raw: unknown, path: readonly PathSegment[]): unknown {
  let current = raw;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<PathSegment, unknown>)[segment];
  }
  return current;
}

function fieldName(path: readonly PathSegment[]): string {
  for (let i = path.length - 1; i >= 0; i--) {
    const segment = path[i];
    if (typeof segment === 'string') return i === path.length - 1 ? segment : formatPath(path.slice(i));
  }
  return '';
}

const SECRET_KEY = /(secret|password|privatekey|^secrets$)/i;

function isSecretPath(path: readonly PathSegment[]): boolean {
  return path.some((segment) => typeof segment === 'string' && SECRET_KEY.test(segment));
}

/** A stand-in of the same kind that tells the type but not the content. */
function redacted(value: unknown): unknown {
  if (typeof value === 'string') return '<redacted>';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return REDACTED;
  return value;
}

const REDACTED = Symbol('redacted');

function typeOf(value: unknown): string {
  if (value === REDACTED) return 'a scalar value (not shown: secret field)';
  if (value === null) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the text "${value.length > 40 ? value.slice(0, 37) + '...' : value}"`;
  return `${typeof value} ${String(value)}`;
}

function expectedText(issue: Issue): string {
  if (issue.code === 'invalid_value') return issue.values.map((v) => JSON.stringify(v)).join(' or ');
  if (issue.code !== 'invalid_type') return 'see docs/config-reference.md';
  const map: Record<string, string> = { array: 'a list', object: 'a mapping', int: 'a whole number' };
  return map[issue.expected] ?? `a ${issue.expected}`;
}

function describeIssue(issue: Issue, value: unknown): string {
  switch (issue.code) {
    case 'invalid_type':
      return `must be ${expectedText(issue)}, not ${typeOf(value)}`;
    case 'invalid_value':
      return issue.values.length === 1
        ? `must be ${JSON.stringify(issue.values[0])}`
        : `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
      if (issue.origin === 'array') return `needs at least ${issue.minimum} item(s)`;
      if (issue.origin === 'string') return `must not be empty`;
      return `must be ${issue.inclusive === false ? '>' : '>='} ${issue.minimum}`;
    case 'too_big':
      if (issue.origin === 'array') return `allows at most ${issue.maximum} item(s)`;
      if (issue.origin === 'string') return `must be at most ${issue.maximum} characters`;
      return `must be ${issue.inclusive === false ? '<' : '<='} ${issue.maximum}`;
    case 'invalid_union': {
      // zod 4 adds `options` (the valid discriminator values) to a discriminated union's issue.
      const options = (issue as { options?: unknown[] }).options;
      if (options) return `must be one of ${options.map((o) => JSON.stringify(o)).join(', ')}`;
      const alternatives = issue.errors
        .map((branch) => branch[0])
        .filter((b): b is Issue => b !== undefined)
        .map((b) => (b.code === 'invalid_type' ? expectedText(b) : describeIssue(b, value).replace(/^must be /, '')));
      const mismatch = issue.errors.every((b) => b[0]?.code === 'invalid_type' || b[0]?.code === 'invalid_value');
      return `must be ${[...new Set(alternatives)].join(' or ')}${mismatch ? `, not ${typeOf(value)}` : ''}`;
    }
    case 'invalid_format':
    case 'custom':
    case 'not_multiple_of':
    case 'invalid_key':
    case 'invalid_element':
      return issue.message.startsWith('must ') ? issue.message : `is invalid: ${issue.message}`;
    default:
      return issue.message;
  }
}

function fieldHint(issue: Issue, description: string | undefined): string | undefined {
  if (!description) return undefined;
  return issue.code === 'invalid_type' ? `write ${expectedText(issue)}: ${description}` : `expected: ${description}`;
}

function defaultHint(issue: Issue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `write ${expectedText(issue)} here`;
    case 'invalid_value':
      return `pick one of the allowed values`;
    case 'too_small':
    case 'too_big':
      return 'use a value in the allowed range (docs/config-reference.md)';
    default:
      return 'see docs/config-reference.md for the allowed values';
  }
}

/** Common words people write for a Phoenix key; checked before edit distance. */
const SYNONYMS: Record<string, string> = {
  cpus: 'cores',
  cpu: 'cores',
  vcpus: 'cores',
  ram: 'memory',
  mem: 'memory',
  vmid: 'id',
  hostname: 'name',
  ipaddress: 'ip',
  address: 'ip',
  bridges: 'bridge',
  depends_on: 'dependsOn',
  dependencies: 'dependsOn',
  start_on_boot: 'onboot',
  autostart: 'onboot',
  interfaces: 'net',
  networks: 'net',
  dns: 'nameserver',
};

function closest(word: string, candidates: readonly string[]): string | undefined {
  const synonym = SYNONYMS[word.toLowerCase()];
  if (synonym && candidates.includes(synonym)) return synonym;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = distance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}
