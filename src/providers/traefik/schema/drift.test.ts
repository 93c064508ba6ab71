import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildCommittedSchema, TRAEFIK_SCHEMA_FILES } from './build.ts';

const shared = fileURLToPath(new URL('../../../../../shared/schemas/', import.meta.url));
const haveSource = existsSync(shared);
if (!haveSource && process.env['CI'] === 'true') throw new Error(`official schemas not found at ${shared}`);

describe('committed Traefik schemas', () => {
  it.skipIf(!haveSource)('equal a fresh copy of ../shared/schemas (prose removed, nothing else)', () => {
    for (const file of Object.values(TRAEFIK_SCHEMA_FILES)) {
      const fresh = buildCommittedSchema(file, readFileSync(`${shared}${file}`));
      const committed = JSON.parse(readFileSync(new URL(`./generated/${file}`, import.meta.url), 'utf8')) as unknown;
      expect(committed, file).toEqual(fresh);
    }
  });

  it('keep every property name, even ones named like prose ("title" of a header, say)', () => {
    const built = buildCommittedSchema(
      'x',
      JSON.stringify({ properties: { title: { type: 'string', description: 'd' } } }),
    );
    expect(built.schema).toEqual({ properties: { title: { type: 'string' } } });
  });
});
