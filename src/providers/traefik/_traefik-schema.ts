/**
 * Test/bench-only: the official Traefik v3 JSON Schemas (SchemaStore copies in ../shared/schemas)
 * compiled once with ajv. Traefik cannot run here, so these schemas are its stand-in checker.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

const SCHEMAS = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'schemas');

export interface TraefikValidators {
  static(document: unknown): string[];
  dynamic(document: unknown): string[];
}

function errors(validate: ValidateFunction, document: unknown): string[] {
  if (validate(document)) return [];
  return (validate.errors ?? []).map(
    (e: ErrorObject) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`,
  );
}

let cached: TraefikValidators | undefined;

export function traefikValidators(): TraefikValidators {
  if (cached) return cached;
  const load = (file: string) => JSON.parse(readFileSync(join(SCHEMAS, file), 'utf8')) as Record<string, unknown>;
  const ajv = new Ajv({ allErrors: true, strict: false });
  const staticSchema = ajv.compile(load('traefik-v3.schema.json'));
  const dynamicSchema = ajv.compile(load('traefik-v3-file-provider.schema.json'));
  cached = { static: (d) => errors(staticSchema, d), dynamic: (d) => errors(dynamicSchema, d) };
  return cached;
}
