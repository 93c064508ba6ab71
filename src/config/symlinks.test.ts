import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BASE, lxc, writeConfig, type TempConfig } from './__fixtures__/harness.ts';
import { validateConfig } from './index.ts';

// Issue 8: a config file that is a symlink was silently skipped; `validate` said valid and
// `apply --prune` then deleted the guest declared in it.
describe('config files behind symbolic links', () => {
  const temps: TempConfig[] = [];
  const outside: string[] = [];
  afterEach(() => {
    for (const t of temps.splice(0)) t.cleanup();
    for (const d of outside.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const config = (files: Record<string, string>) => {
    const t = writeConfig(files);
    temps.push(t);
    return t.dir;
  };

  it('follows a file link inside the config directory: the guest it declares is part of the config', async () => {
    const dir = config({ 'phoenix.yaml': BASE, 'shared/a.yaml': `guests:\n${lxc(101, 'a')}` });
    mkdirSync(join(dir, 'guests'));
    symlinkSync('../shared/a.yaml', join(dir, 'guests', 'a-link.yaml'));
    // The link target also sits in the directory: it is read once, not twice.
    const result = await validateConfig(dir);
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(result.loaded?.config.guests.map((g) => g.id)).toEqual([101]);
    expect(result.files).toContain('shared/a.yaml');
  });

  it('follows a file link whose target lives in a hidden folder of the config directory', async () => {
    const dir = config({ 'phoenix.yaml': BASE, '.store/b.yaml': `guests:\n${lxc(102, 'b')}` });
    symlinkSync('.store/b.yaml', join(dir, 'b.yaml'));
    const result = await validateConfig(dir);
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(result.loaded?.config.guests.map((g) => g.id)).toEqual([102]);
  });

  it('follows a directory link inside the config directory', async () => {
    const dir = config({ 'phoenix.yaml': BASE, '.real/c.yaml': `guests:\n${lxc(103, 'c')}` });
    symlinkSync('.real', join(dir, 'more'));
    const result = await validateConfig(dir);
    expect(result.loaded?.config.guests.map((g) => g.id)).toEqual([103]);
  });

  it('a link leaving the config directory is a located error, and nothing loads', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'phoenix-outside-'));
    outside.push(elsewhere);
    writeFileSync(join(elsewhere, 'd.yaml'), `guests:\n${lxc(104, 'd')}`);
    const dir = config({ 'phoenix.yaml': BASE });
    symlinkSync(join(elsewhere, 'd.yaml'), join(dir, 'd.yaml'));
    const result = await validateConfig(dir);
    expect(result.loaded).toBeUndefined();
    expect(result.diagnostics).toContainEqual(
      expect.objectContaining({
        severity: 'error',
        code: 'E_CONFIG_LINK',
        location: expect.objectContaining({ file: 'd.yaml' }),
      }),
    );
    expect(result.diagnostics.find((d) => d.code === 'E_CONFIG_LINK')?.message).toMatch(/outside the config directory/);
  });

  it('a link loop is a located error, not a hang or a skip', async () => {
    const dir = config({ 'phoenix.yaml': BASE });
    symlinkSync('loop-b.yaml', join(dir, 'loop-a.yaml'));
    symlinkSync('loop-a.yaml', join(dir, 'loop-b.yaml'));
    mkdirSync(join(dir, 'sub'));
    symlinkSync('..', join(dir, 'sub', 'up'));
    const result = await validateConfig(dir);
    expect(result.loaded).toBeUndefined();
    const codes = result.diagnostics.filter((d) => d.code === 'E_CONFIG_LINK');
    expect(codes.map((d) => d.location?.file).sort()).toEqual(['loop-a.yaml', 'loop-b.yaml', 'sub/up']);
  });

  it('a dangling link is a located error', async () => {
    const dir = config({ 'phoenix.yaml': BASE });
    symlinkSync('missing.yaml', join(dir, 'gone.yaml'));
    const result = await validateConfig(dir);
    expect(result.loaded).toBeUndefined();
    expect(result.diagnostics).toContainEqual(
      expect.objectContaining({ code: 'E_CONFIG_LINK', location: expect.objectContaining({ file: 'gone.yaml' }) }),
    );
  });
});
