/**
 * Extracts the part of Portainer's official OpenAPI document the simulated Portainer serves
 * (src/sim/portainer/extract.ts) into `src/sim/portainer/generated/portainer-api.ts`; the
 * product reads only that file. `src/sim/portainer/extract.test.ts` fails when the two differ.
 *
 * Usage: `npx tsx scripts/gen-portainer-api.ts [portainer-api.yaml]`
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { extractPortainerApi } from '../src/sim/portainer/extract.ts';
import { renderExtract } from '../src/sim/portainer/extract-render.ts';

const input = process.argv[2] ?? fileURLToPath(new URL('../../shared/schemas/portainer-api.yaml', import.meta.url));
const output = fileURLToPath(new URL('../src/sim/portainer/generated/portainer-api.ts', import.meta.url));
const extract = extractPortainerApi(readFileSync(input, 'utf8'));
writeFileSync(output, await renderExtract(extract));
console.log(
  `wrote ${output}: ${Object.keys(extract.document.paths as object).length} paths of ${extract.operations.length} operations (sha256 ${extract.sha256})`,
);
