import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { isComposeFile } from './discover.ts';
import { configJsonSchema } from './json-schema.ts';
import { renderConfigReference } from './reference-doc.ts';
// The committed files are the composed schema: src/config's sections + the registered providers' fragments.
import { configFragments } from '../app/providers.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const SCHEMA_FILE = join(ROOT, 'schema/phoenix.schema.json');

function exampleConfigFiles(): string[] {
  return readdirSync(join(ROOT, 'examples'), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name) && !isComposeFile(e.name))
    .map((e) => join(e.parentPath, e.name));
}

function compile(): ReturnType<Ajv2020['compile']> {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  (addFormats as unknown as (a: Ajv2020) => void)(ajv);
  return ajv.compile(configJsonSchema());
}

describe('JSON Schema', () => {
  it('is a valid draft 2020-12 schema that accepts every example file', () => {
    const validate = compile();
    const files = exampleConfigFiles();
    expect(files.length).toBeGreaterThanOrEqual(5);
    for (const file of files) {
      const ok = validate(parse(readFileSync(file, 'utf8')));
      expect(ok, `${file}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });

  it('rejects what the zod schema rejects: unknown keys, wrong types, secret literals', () => {
    const validate = compile();
    expect(validate({ guests: [{ id: 101, name: 'a', type: 'lxc', cpus: 2 }] })).toBe(false);
    expect(validate({ guests: [{ id: 'x', name: 'a', type: 'lxc' }] })).toBe(false);
    expect(validate({ proxmox: { endpoint: 'https://h:8006', tokenId: 'a@pve!ci', tokenSecret: 'literal' } })).toBe(
      false,
    );
    expect(validate({ proxmox: { endpoint: 'https://h:8006', tokenId: 'a@pve!ci', tokenSecret: 'env:TOKEN' } })).toBe(
      true,
    );
    // A guest may rely on defaults or the single node for `node`.
    expect(validate({ guests: [{ id: 101, name: 'a', type: 'lxc', template: 'debian' }] })).toBe(true);
  });

  it('every example file starts with a modeline pointing at the committed schema', () => {
    for (const file of exampleConfigFiles()) {
      const first = readFileSync(file, 'utf8').split('\n')[0] ?? '';
      const match = /^# yaml-language-server: \$schema=(\S+)$/.exec(first);
      expect(match, file).not.toBeNull();
      expect(resolve(dirname(file), match?.[1] ?? ''), relative(ROOT, file)).toBe(SCHEMA_FILE);
    }
  });
});

describe('generated files are in step with the schema', () => {
  const regenerate = 'run `npx tsx scripts/gen-config-reference.ts` and commit the result';

  it('schema/phoenix.schema.json', () => {
    const committed = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as unknown;
    expect(committed, regenerate).toEqual(configJsonSchema(configFragments()));
  });

  it('docs/config-reference.md', () => {
    const committed = readFileSync(join(ROOT, 'docs/config-reference.md'), 'utf8');
    expect(committed === renderConfigReference(configFragments()), regenerate).toBe(true);
  });
});
