import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { environmentIdentity, normalizeRemote } from './environment-id.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), 'phoenix-envid-'));
  dirs.push(d);
  return d;
};
const git = (dir: string, ...args: string[]) =>
  execFileSync('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@e', ...args], { encoding: 'utf8' });

describe('environment identity', () => {
  it('a declared identity wins', () => {
    expect(environmentIdentity(temp(), 'homelab')).toEqual({ id: 'homelab', source: 'declared' });
  });

  it('is the same for two clones of one repository in different directories, and differs per config path', () => {
    const origin = temp();
    git(origin, 'init', '-q');
    mkdirSync(join(origin, 'infra', 'a'), { recursive: true });
    mkdirSync(join(origin, 'infra', 'b'), { recursive: true });
    writeFileSync(join(origin, 'infra', 'a', 'phoenix.yaml'), 'version: 1\n');
    writeFileSync(join(origin, 'infra', 'b', 'phoenix.yaml'), 'version: 1\n');
    git(origin, 'add', '-A');
    git(origin, 'commit', '-qm', 'init');
    const one = join(temp(), 'rev-1111');
    const two = join(temp(), 'rev-2222');
    execFileSync('git', ['clone', '-q', origin, one]);
    execFileSync('git', ['clone', '-q', origin, two]);
    const a1 = environmentIdentity(join(one, 'infra', 'a'), undefined);
    expect(a1.source).toBe('git-remote');
    expect(a1.id).toMatch(/^g[0-9a-f]{10}$/);
    expect(environmentIdentity(join(two, 'infra', 'a'), undefined)).toEqual(a1);
    expect(environmentIdentity(join(one, 'infra', 'b'), undefined).id).not.toBe(a1.id);
    // Without a remote: the root commit, the same in every copy of the history.
    git(one, 'remote', 'remove', 'origin');
    git(two, 'remote', 'remove', 'origin');
    const r1 = environmentIdentity(join(one, 'infra', 'a'), undefined);
    expect(r1.source).toBe('git-root-commit');
    expect(environmentIdentity(join(two, 'infra', 'a'), undefined)).toEqual(r1);
  });

  it('outside git: derived from the directory', () => {
    const d = temp();
    const id = environmentIdentity(d, undefined);
    expect(id.source).toBe('directory');
    expect(environmentIdentity(d, undefined)).toEqual(id);
    expect(environmentIdentity(temp(), undefined).id).not.toBe(id.id);
  });

  it('normalises ssh and https remotes of one repository to one key', () => {
    const key = 'example.org/team/infra';
    for (const url of [
      'git@example.org:team/infra.git',
      'https://example.org/team/infra',
      'https://user@example.org/team/infra.git/',
      'ssh://git@example.org/team/infra.git',
      'ssh://git@example.org:22/team/infra.git',
    ])
      expect(normalizeRemote(url), url).toBe(key);
  });
});
