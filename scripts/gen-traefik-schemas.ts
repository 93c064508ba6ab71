/**
 * Writes the product's copies of the official Traefik v3 schemas
 * (`src/providers/traefik/schema/generated/`) from `../shared/schemas`, prose removed. The product
 * reads only the committed copies; `src/providers/traefik/schema/drift.test.ts` fails if they drift.
 *
 * Usage: `npx tsx scripts/gen-traefik-schemas.ts [schemas-dir]`
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCommittedSchema, TRAEFIK_SCHEMA_FILES } from '../src/providers/traefik/schema/build.ts';

const input = process.argv[2] ?? fileURLToPath(new URL('../../shared/schemas', import.meta.url));
const output = fileURLToPath(new URL('../src/providers/traefik/schema/generated', import.meta.url));
for (const file of Object.values(TRAEFIK_SCHEMA_FILES)) {
  const built = buildCommittedSchema(file, readFileSync(join(input, file)));
  writeFileSync(join(output, file), `${JSON.stringify(built)}\n`);
  console.log(`wrote ${join(output, file)} (source sha256 ${built.sourceSha256})`);
}
