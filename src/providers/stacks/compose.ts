/**
 * Loads a compose file for one stack environment: YAML → interpolation with the merged
 * variables → validation against the official compose specification schema (ajv). Problems
 * carry the compose file's path and the JSON path of the offending value.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { interpolate, type InterpolationProblem } from './interpolate.ts';

/** Default location of the official schema: `../shared/schemas` next to the repository. */
export const DEFAULT_COMPOSE_SCHEMA = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../../../shared/schemas/compose-spec.schema.json',
);

const validators = new Map<string, ValidateFunction>();

function validator(schemaPath: string): ValidateFunction {
  let validate = validators.get(schemaPath);
  if (!validate) {
    const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as Record<string, unknown>;
    // The spec uses draft-07 with its own `x-` extensions and "deprecated"; strict mode would reject those.
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, validateSchema: false });
    validate = ajv.compile(schema);
    validators.set(schemaPath, validate);
  }
  return validate;
}

export interface ComposeProblem extends InterpolationProblem {
  file: string;
}

export class ComposeError extends Error {
  readonly problems: ComposeProblem[];
  constructor(problems: ComposeProblem[]) {
    super(problems.map((p) => `${p.file}: ${p.path}: ${p.message}`).join('\n'));
    this.problems = problems;
  }
}

/** A schema-validated compose value: its shape is the compose specification's, not a TS type. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Validated = any;
export type ComposeDocument = {
  services: Record<string, Validated>;
  networks?: Record<string, Validated>;
  secrets?: Record<string, Validated>;
  configs?: Record<string, Validated>;
  volumes?: Record<string, Validated>;
};

export function loadCompose(
  file: string,
  vars: Readonly<Record<string, string>>,
  options: { schemaPath?: string; text?: string; configDir?: string } = {},
): ComposeDocument {
  const full = options.configDir ? join(options.configDir, file) : file;
  let raw: unknown;
  try {
    raw = parse(options.text ?? readFileSync(full, 'utf8'));
  } catch (error) {
    throw new ComposeError([{ file, path: '/', message: (error as Error).message.split('\n')[0] ?? 'unreadable' }]);
  }
  const problems: InterpolationProblem[] = [];
  const doc = interpolate(raw, vars, problems);
  if (problems.length > 0) throw new ComposeError(problems.map((p) => ({ ...p, file })));
  const validate = validator(options.schemaPath ?? DEFAULT_COMPOSE_SCHEMA);
  if (!validate(doc)) {
    throw new ComposeError(
      (validate.errors ?? []).map((e) => ({
        file,
        path: e.instancePath || '/',
        message: `${e.message ?? 'invalid'}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`,
      })),
    );
  }
  const services = (doc as { services?: unknown }).services;
  if (services === undefined || services === null || Object.keys(services).length === 0) {
    throw new ComposeError([{ file, path: '/services', message: 'a stack needs at least one service' }]);
  }
  return doc as ComposeDocument;
}
