import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PhoenixConfig } from '../../config/schema.ts';
import { loadConfig } from '../../config/index.ts';
import { runInit } from './init.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function run(dir: string, options: Partial<Parameters<typeof runInit>[1]> = {}): Promise<string> {
  let text = '';
  const code = await runInit(dir, { user: 'phoenix@pve', token: 'gitops', role: 'Phoenix', ...options }, (t) => {
    text += t;
  });
  expect(code).toBe(0);
  return text;
}

describe('phoenix init', () => {
  it('prints the derived role, both ACL entries and the pveum commands', async () => {
    const text = await run('.');
    expect(text).toMatch(/^Role Phoenix \(\d+ privileges/);
    expect(text).toContain('pveum role add Phoenix --privs Datastore.Allocate,');
    expect(text).toContain("pveum acl modify / --tokens 'phoenix@pve!gitops' --roles Phoenix --propagate 1");
    expect(text).toContain('pveum user token add phoenix@pve gitops --privsep 1');
  });

  it('derives exactly the privileges the API calls need, and no root-only ones', async () => {
    const json = JSON.parse(await run('.', { json: true })) as { privileges: string[]; acl: unknown[] };
    // Network and firewall edits need Sys.Modify.
    for (const p of [
      'Sys.Modify',
      'Sys.Audit',
      'VM.Allocate',
      'VM.Clone',
      'Datastore.Allocate',
      'Datastore.AllocateSpace',
      'Pool.Allocate',
      'SDN.Use',
    ])
      expect(json.privileges).toContain(p);
    // Nothing that lets Phoenix change rights, its own included (issue 8): no user, realm or ACL writes.
    for (const p of [
      'User.Modify',
      'Realm.AllocateUser',
      'Permissions.Modify',
      'Sys.PowerMgmt',
      'Sys.Console',
      'Realm.Allocate',
      'Group.Allocate',
      'VM.Console',
      'Mapping.Modify',
    ])
      expect(json.privileges).not.toContain(p);
    expect(json.privileges).toEqual([...json.privileges].sort());
    // The role on /, and read-only below /access (the more specific entry replaces it there).
    expect(json.acl).toEqual([
      { path: '/', role: 'Phoenix', type: 'user', ugid: 'phoenix@pve', propagate: true },
      { path: '/', role: 'Phoenix', type: 'token', ugid: 'phoenix@pve!gitops', propagate: true },
      { path: '/access', role: 'PVEAuditor', type: 'user', ugid: 'phoenix@pve', propagate: true },
      { path: '/access', role: 'PVEAuditor', type: 'token', ugid: 'phoenix@pve!gitops', propagate: true },
    ]);
  });

  it('scaffolds a config dir that loads and declares the same role; refuses an existing config', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'phoenix-init-'));
    dirs.push(dir);
    const json = JSON.parse(await run(dir, { scaffold: true, json: true })) as {
      privileges: string[];
      written: string[];
    };
    expect(json.written.map((w) => w.slice(dir.length + 1)).sort()).toEqual([
      '.gitignore',
      'host.yaml',
      'phoenix.schema.json',
      'phoenix.yaml',
    ]);
    const loaded = await loadConfig(dir);
    const config: PhoenixConfig = loaded.config;
    expect(config.host.roles).toEqual([{ id: 'Phoenix', privileges: json.privileges }]);
    expect(config.host.acl.map((a) => a.token ?? a.user)).toEqual([
      'phoenix@pve',
      'phoenix@pve!gitops',
      'phoenix@pve',
      'phoenix@pve!gitops',
    ]);
    expect(readFileSync(join(dir, 'phoenix.yaml'), 'utf8')).toMatch(
      /^# yaml-language-server: \$schema=\.\/phoenix\.schema\.json/,
    );
    await expect(run(dir, { scaffold: true })).rejects.toThrow(/already exists/);
  });

  it('rejects a malformed user id with a hint', async () => {
    await expect(run('.', { user: 'phoenix' })).rejects.toMatchObject({ hint: 'write name@realm, e.g. phoenix@pve' });
  });
});
