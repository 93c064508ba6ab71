import { describe, expect, it } from 'vitest';
import { writeConfig } from './__fixtures__/harness.ts';
import { invalidCases } from './__fixtures__/invalid-cases.ts';
import { validateConfig } from './index.ts';

describe('validateConfig on invalid configs', () => {
  it('has at least 40 cases', () => {
    expect(invalidCases.length).toBeGreaterThanOrEqual(40);
  });

  it.each(invalidCases.map((c) => [c.name, c] as const))('%s', async (_name, testCase) => {
    const temp = writeConfig(testCase.files);
    try {
      const result = await validateConfig(temp.dir);
      const errors = result.diagnostics.filter((d) => d.severity === 'error');
      const rendered = errors.map((d) => {
        const l = d.location;
        const where = l && l.line > 0 ? `${l.file}:${l.line}:${l.column}` : '<dir>';
        return `${where} ${l?.path || '-'} ${d.code} ${d.message}`.replaceAll(temp.dir, '<dir>');
      });
      expect(rendered).toEqual(testCase.errors);
      expect(result.loaded).toBeUndefined();
      for (const d of errors) expect(d.hint, `hint of ${d.code}`).toMatch(/\S{3}/);
    } finally {
      temp.cleanup();
    }
  });
});
