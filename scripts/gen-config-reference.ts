/**
 * Regenerates the files derived from the config schema: schema/phoenix.schema.json (for
 * editors) and docs/config-reference.md. Run after changing src/config/schema*.ts:
 *   npx tsx scripts/gen-config-reference.ts
 * src/config/generated-files.test.ts fails while the committed copies are stale.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { configFragments } from '../src/app/providers.ts';
import { configJsonSchemaText } from '../src/config/json-schema.ts';
import { renderConfigReference } from '../src/config/reference-doc.ts';

// The one schema: src/config's sections plus every registered provider's fragment.
const fragments = configFragments();

const root = new URL('../', import.meta.url);
mkdirSync(new URL('schema/', root), { recursive: true });
mkdirSync(new URL('docs/', root), { recursive: true });
const schemaFile = new URL('schema/phoenix.schema.json', root);
// Formatted like every other file, so `prettier --check .` (part of npm test) stays clean.
const options = await prettier.resolveConfig(fileURLToPath(schemaFile));
writeFileSync(schemaFile, await prettier.format(configJsonSchemaText(fragments), { ...options, parser: 'json' }));
writeFileSync(new URL('docs/config-reference.md', root), renderConfigReference(fragments));
process.stdout.write('wrote schema/phoenix.schema.json and docs/config-reference.md\n');
