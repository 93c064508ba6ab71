import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isOwned, markComment, userComment } from './marker.ts';
import { privilegesOfCheck, requiredPrivileges } from './privileges.ts';
import { fileSecretSink } from './secret-sink.ts';

describe('privilegesOfCheck', () => {
  it.each([
    [['perm', '/', ['Sys.Modify']], ['Sys.Modify']],
    [['perm', '/vms/{vmid}', ['VM.Config.Disk', 'VM.Config.CPU'], 'any', 1], ['VM.Config.Disk']],
    [['perm-modify', '{path}'], ['Permissions.Modify']],
    [
      ['and', ['userid-param', 'Realm.AllocateUser'], ['userid-group', ['User.Modify'], 'groups_param', 'create']],
      ['Realm.AllocateUser', 'User.Modify'],
    ],
    // A token is never the plain user: the `self` branch cannot hold, the next one is needed.
    [['or', ['userid-param', 'self'], ['userid-group', ['User.Modify']]], ['User.Modify']],
  ])('%j needs %j', (check, privs) => {
    expect(privilegesOfCheck(check)).toEqual(privs);
  });

  it('adds list filters and code-level checks, and reports calls the schema lacks', () => {
    const result = requiredPrivileges(
      [
        { method: 'GET', route: '/storage' },
        { method: 'POST', route: '/nodes/{node}/lxc' },
        { method: 'GET', route: '/no/such' },
      ],
      (m, r) =>
        r === '/no/such'
          ? undefined
          : m === 'GET'
            ? { user: 'all' }
            : { check: ['perm', '/vms/{vmid}', ['VM.Allocate']] },
    );
    expect(result.unknown).toEqual(['GET /no/such']);
    expect(result.privileges).toContain('Datastore.Audit');
    expect(result.privileges).toContain('VM.Allocate');
    expect(result.privileges).toContain('SDN.Use');
  });
});

describe('ownership marker', () => {
  it('marks, recognises and strips', () => {
    expect(markComment(undefined)).toBe('phoenix');
    expect(markComment('LAN')).toBe('phoenix: LAN');
    expect([
      isOwned('phoenix'),
      isOwned('phoenix: LAN'),
      isOwned('phoenixish'),
      isOwned('LAN'),
      isOwned(undefined),
    ]).toEqual([true, true, false, false, false]);
    expect(userComment('phoenix: LAN')).toBe('LAN');
  });
});

describe('fileSecretSink', () => {
  it('writes 0600 through a rename, and only to file: references', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'phoenix-sink-'));
    try {
      const sink = fileSecretSink(dir);
      expect(sink.has('file:secrets/t')).toBe(false);
      sink.assertWritable('file:secrets/t');
      await sink.store('file:secrets/t', 'the-secret');
      expect(readFileSync(join(dir, 'secrets/t'), 'utf8')).toBe('the-secret\n');
      expect(statSync(join(dir, 'secrets/t')).mode & 0o777).toBe(0o600);
      expect(sink.has('file:secrets/t')).toBe(true);
      expect(() => sink.assertWritable('env:X')).toThrow(/only store secrets in file: references/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
