/**
 * Fuzzing the real CLI entry with broken versions of the homelab example: random text edits,
 * truncated files, values replaced by random types, deleted keys. Whatever the input, the CLI
 * must not crash or print a stack trace: it exits 0 or 1, and every error is a validation
 * diagnostic with a file, line and column.
 */
import fc from 'fast-check';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { writeConfig } from './__fixtures__/harness.ts';
import { runCli } from './__fixtures__/run-cli.ts';

const EXAMPLE = new URL('../../examples/homelab/', import.meta.url).pathname;

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)));
}

const original: Record<string, string> = Object.fromEntries(
  listFiles(EXAMPLE).map((f) => [f, readFileSync(join(EXAMPLE, f), 'utf8')]),
);
const yamlFiles = Object.keys(original)
  .filter((f) => f.endsWith('.yaml'))
  .sort();
const temp = writeConfig(original);
// The example's secrets: validate resolves every reference.
const SECRETS = ['PHOENIX_CA_PASSWORD', 'PHOENIX_PORTAINER_PASSWORD', 'WHOAMI_API_TOKEN'];
beforeAll(() => {
  for (const name of SECRETS) process.env[name] = 'test-only';
});
afterAll(() => {
  for (const name of SECRETS) delete process.env[name];
  temp.cleanup();
});

/** Resets the temp copy, writes the mutated files, runs validate both ways, checks the contract. */
async function check(mutated: Record<string, string>): Promise<void> {
  for (const [file, text] of Object.entries(original)) writeFileSync(join(temp.dir, file), mutated[file] ?? text);
  const json = await runCli(['validate', temp.dir, '--json']);
  expect([0, 1]).toContain(json.code);
  expect(json.stderr).toBe('');
  const report = JSON.parse(json.stdout) as {
    valid: boolean;
    diagnostics: {
      severity: string;
      message: string;
      hint?: string;
      location?: { file: string; line: number; column: number };
    }[];
  };
  expect(report.valid).toBe(json.code === 0);
  if (!report.valid) expect(report.diagnostics.length).toBeGreaterThan(0);
  for (const d of report.diagnostics) {
    expect(d.message.length).toBeGreaterThan(0);
    expect(d.location, d.message).toBeDefined();
    expect(d.location?.line).toBeGreaterThanOrEqual(1);
    expect(d.location?.column).toBeGreaterThanOrEqual(1);
    expect(Object.keys(original)).toContain(d.location?.file);
  }
  const human = await runCli(['validate', temp.dir]);
  expect(human.code).toBe(json.code);
  expect(human.stderr).not.toContain('internal error');
  expect(human.stderr + human.stdout).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
}

/** PHOENIX_FUZZ_SCALE=10 runs ten times as many cases (for a deeper search than CI's). */
const SCALE = Math.max(1, Number(process.env['PHOENIX_FUZZ_SCALE'] ?? 1));

const fileArb = fc.constantFrom(...yamlFiles);
const noise = fc.string({ unit: fc.constantFrom(...'ab1 :-{}[],#&*!|>\'"\n\t%@`?'.split('')), maxLength: 12 });

const textEdit = fc.record({ file: fileArb, at: fc.nat(), remove: fc.nat({ max: 30 }), insert: noise });
const randomValue = fc.oneof(
  fc.constant(null),
  fc.integer({ min: -5, max: 100000 }),
  fc.double({ noNaN: true }),
  fc.boolean(),
  fc.string({ maxLength: 8 }),
  fc.constantFrom('dhcp', 'env:X', '10.0.0.5/24', 'vmbr0', 'local', 'pve', '', 'lxc', 'vm', '9000', 'portainer'),
  fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 4 })), { maxLength: 3 }),
  fc.dictionary(
    fc.constantFrom('name', 'id', 'x', 'type', 'from'),
    fc.oneof(fc.integer(), fc.string({ maxLength: 4 })),
    { maxKeys: 3 },
  ),
);

/** Walks `doc` along `choices` (each picks a child), then replaces or deletes the value there. */
function mutateTree(doc: unknown, choices: number[], value: unknown, remove: boolean): unknown {
  const root = { doc } as Record<string, unknown>;
  let parent: Record<string, unknown> | unknown[] = root;
  let key: string | number = 'doc';
  for (const choice of choices) {
    const current: unknown = (parent as Record<string | number, unknown>)[key];
    if (typeof current !== 'object' || current === null) break;
    const keys: (string | number)[] = Array.isArray(current) ? current.map((_, i) => i) : Object.keys(current);
    if (keys.length === 0) break;
    parent = current as Record<string, unknown>;
    key = keys[choice % keys.length] as string | number;
  }
  if (remove && !Array.isArray(parent)) delete (parent as Record<string, unknown>)[key as string];
  else (parent as Record<string | number, unknown>)[key] = value;
  return root['doc'];
}

describe('validate fuzz (real CLI entry)', () => {
  it(
    'survives random text edits',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(textEdit, { minLength: 1, maxLength: 4 }), async (edits) => {
          const mutated: Record<string, string> = {};
          for (const edit of edits) {
            const text = mutated[edit.file] ?? original[edit.file] ?? '';
            const at = edit.at % (text.length + 1);
            mutated[edit.file] = text.slice(0, at) + edit.insert + text.slice(at + edit.remove);
          }
          await check(mutated);
        }),
        { numRuns: 60 * SCALE },
      );
    },
    180_000 * SCALE,
  );

  it(
    'survives truncated files',
    async () => {
      await fc.assert(
        fc.asyncProperty(fileArb, fc.double({ min: 0, max: 1, noNaN: true }), async (file, fraction) => {
          const text = original[file] ?? '';
          await check({ [file]: text.slice(0, Math.floor(text.length * fraction)) });
        }),
        { numRuns: 40 * SCALE },
      );
    },
    180_000 * SCALE,
  );

  it(
    'survives values of random types and deleted keys',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fileArb,
          fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
          randomValue,
          fc.boolean(),
          async (file, choices, value, remove) => {
            const doc = mutateTree(parse(original[file] ?? ''), choices, value, remove);
            await check({ [file]: stringify(doc) });
          },
        ),
        { numRuns: 100 * SCALE },
      );
    },
    180_000 * SCALE,
  );

  it('an unresolved tag in a compose file prints no raw library warning (a fuzz finding)', async () => {
    const compose = Object.keys(original).find((f) => f.endsWith('whoami.compose.yaml'));
    expect(compose, 'the example ships a compose file').toBeDefined();
    const text = original[compose as string] ?? '';
    expect(text).toContain('LOG_LEVEL: ${LOG_LEVEL}');
    // process.emitWarning prints on a later tick, after runCli stopped capturing: listen instead.
    const warnings: Error[] = [];
    const listen = (w: Error) => warnings.push(w);
    process.on('warning', listen);
    try {
      await check({ [compose as string]: text.replace('LOG_LEVEL: ${LOG_LEVEL}', 'LOG_LEVEL: !custom ${LOG_LEVEL}') });
      await new Promise((r) => setTimeout(r, 20));
    } finally {
      process.off('warning', listen);
    }
    expect(warnings.map((w) => w.message)).toEqual([]);
  });

  it('the unmutated copy is valid (the fuzz starts from a clean config)', async () => {
    await check({});
    const run = await runCli(['validate', temp.dir, '--json']);
    expect(run.code).toBe(0);
    rmSync(join(temp.dir, 'phoenix.yaml'));
    const missing = await runCli(['validate', temp.dir, '--json']);
    expect(missing.code).toBe(1);
  });
});
