import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../config/__fixtures__/run-cli.ts';

describe('phoenix schema', () => {
  it('prints the JSON Schema, equal to the committed schema/phoenix.schema.json', async () => {
    const run = await runCli(['schema']);
    expect(run.code).toBe(0);
    const printed = JSON.parse(run.stdout) as Record<string, unknown>;
    const committed = JSON.parse(
      readFileSync(new URL('../../../schema/phoenix.schema.json', import.meta.url), 'utf8'),
    ) as unknown;
    expect(printed).toEqual(committed);
    expect(printed['$schema']).toBe('https://json-schema.org/draft/2020-12/schema');
  });

  it('reports an unwritable --out path as a user error', async () => {
    const run = await runCli(['schema', '--out', '/nonexistent-dir/x.json']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('cannot write /nonexistent-dir/x.json: ENOENT');
    expect(run.stderr).not.toMatch(/^\s+at /m);
  });

  it('has help with examples', async () => {
    const run = await runCli(['schema', '--help']);
    expect(run.stdout).toContain('$ phoenix schema --out schema/phoenix.schema.json');
  });
});
