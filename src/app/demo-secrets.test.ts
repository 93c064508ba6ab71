import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { demoSecrets } from './demo-secrets.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('demo secrets of the built-in simulator', () => {
  it('generates an unset env: secret once, owner-only, and names it in one warning', () => {
    const root = mkdtempSync(join(tmpdir(), 'phoenix-demo-'));
    dirs.push(root);
    const dir = join(root, 'sim-secrets');
    const demo = demoSecrets(dir);
    const config = { platform: { stepCa: { password: 'env:CA_PW' } }, stacks: [{ secrets: { t: 'env:TOKEN' } }] };
    const warnings = demo.prepare(config, { TOKEN: 'set-by-user' });
    expect(warnings.map((w) => w.code)).toEqual(['W_SIM_DEMO_SECRETS']);
    expect(warnings[0]?.message).toContain('CA_PW');
    expect(warnings[0]?.message).not.toContain('TOKEN');
    const value = demo.valueFor('env:CA_PW', {});
    expect(value).toMatch(/^[A-Za-z0-9_-]{32}$/);
    // The value itself is never in the warning, and it is stable across runs.
    expect(JSON.stringify(warnings)).not.toContain(value);
    expect(demoSecrets(dir).valueFor('env:CA_PW', {})).toBe(value);
    expect(readFileSync(join(dir, 'CA_PW'), 'utf8')).toBe(value);
    expect(statSync(join(dir, 'CA_PW')).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('never replaces a set variable or a file: reference', () => {
    const root = mkdtempSync(join(tmpdir(), 'phoenix-demo-'));
    dirs.push(root);
    const demo = demoSecrets(join(root, 's'));
    expect(demo.valueFor('env:SET', { SET: 'mine' })).toBeUndefined();
    expect(demo.valueFor('file:secret.txt', {})).toBeUndefined();
    expect(demo.prepare({ a: 'env:SET', b: 'file:x' }, { SET: 'mine' })).toEqual([]);
  });
});
