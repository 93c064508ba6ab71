/**
 * Generates the simulator's parameter table from the official PVE 8.4 API schema.
 *
 * Reads `../shared/pve/apidata-pve8.4.json` (the `apidata.js` tree of proxmox/pve-docs,
 * stable-bookworm) and writes `src/sim/schema/generated/pve-api-schema.json`: one entry per
 * method+path the simulator serves, with the parameter schema, permissions and flags, minus
 * prose (descriptions) so the committed file stays small. The product reads only the committed
 * file; `src/sim/schema/drift.test.ts` regenerates in memory and fails if the two differ.
 *
 * Usage: `npx tsx scripts/gen-pve-schema.ts [input.json] [output.json]`
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildSchemaTable } from '../src/sim/schema/build-table.ts';

const defaultInput = fileURLToPath(new URL('../../shared/pve/apidata-pve8.4.json', import.meta.url));
const defaultOutput = fileURLToPath(new URL('../src/sim/schema/generated/pve-api-schema.json', import.meta.url));

const input = process.argv[2] ?? defaultInput;
const output = process.argv[3] ?? defaultOutput;
const table = buildSchemaTable(readFileSync(input));
writeFileSync(output, JSON.stringify(table) + '\n');
console.log(`wrote ${Object.keys(table.endpoints).length} paths to ${output} (input sha256 ${table.sha256})`);
