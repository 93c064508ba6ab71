/**
 * The product's copy of the official Traefik v3 JSON Schemas (SchemaStore, `../shared/schemas`):
 * the same schemas with prose removed (descriptions, examples, titles), so the committed files
 * stay small and nothing outside the repository is read at run time. `drift.test.ts` rebuilds them
 * from `../shared/schemas` and fails on any difference; `scripts/gen-traefik-schemas.ts` writes them.
 */
import { createHash } from 'node:crypto';

export const TRAEFIK_SCHEMA_FILES = {
  static: 'traefik-v3.schema.json',
  dynamic: 'traefik-v3-file-provider.schema.json',
} as const;

const PROSE = new Set(['description', 'markdownDescription', 'examples', 'title']);

/** Removes prose keywords (never a property that happens to be named like one). */
function strip(value: unknown, inProperties: boolean): unknown {
  if (Array.isArray(value)) return value.map((v) => strip(v, false));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    if (!inProperties && PROSE.has(key) && (typeof child === 'string' || key === 'examples')) continue;
    const holdsNames = !inProperties && ['properties', 'patternProperties', 'definitions', '$defs'].includes(key);
    out[key] = strip(child, holdsNames);
  }
  return out;
}

export interface CommittedSchema {
  /** sha256 of the official file this copy was made from. */
  sourceSha256: string;
  source: string;
  schema: Record<string, unknown>;
}

export function buildCommittedSchema(source: string, text: string | Buffer): CommittedSchema {
  const sourceSha256 = createHash('sha256').update(text).digest('hex');
  const schema = strip(JSON.parse(text.toString()), false) as Record<string, unknown>;
  return { sourceSha256, source, schema };
}
