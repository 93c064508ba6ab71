/**
 * Issue 9: `--target` names a managed guest that left the config (it exists, carries the
 * ownership tag, is no longer declared): `apply --prune --target 202` deletes exactly it and
 * `destroy --target 203` destroys exactly it; an id that is neither declared nor managed is
 * still refused as unknown.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPhoenix } from '../../src/app/create-phoenix.ts';
import { runCli } from '../../src/config/__fixtures__/run-cli.ts';

let dir = '';
const noStack = (text: string): void => expect(text).not.toMatch(/internal error|\n\s+at .+:\d+:\d+/);

async function vmids(): Promise<number[]> {
  const p = await createPhoenix({ configDir: dir });
  try {
    return (await p.client.cluster.resources('vm')).map((r) => Number(r.vmid)).sort((a, b) => a - b);
  } finally {
    await p.close();
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'phoenix-target-'));
  cpSync('examples/homelab', dir, { recursive: true, filter: (src) => !src.includes('.phoenix') });
  const extra = join(dir, 'guests', 'extra.yaml');
  writeFileSync(
    extra,
    'guests:\n' +
      '  - { id: 202, name: scratch-a, type: lxc, template: debian-12, net: [{ name: eth0, bridge: vmbr1, ip: 10.10.0.202/24 }] }\n' +
      '  - { id: 203, name: scratch-b, type: lxc, template: debian-12, net: [{ name: eth0, bridge: vmbr1, ip: 10.10.0.203/24 }] }\n',
  );
  const up = await runCli(['up', '-c', dir, '--speed', '0']);
  expect(up.code, up.stderr).toBe(0);
  rmSync(extra);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('--target of a managed guest that left the config', () => {
  it('plan --prune --target 202 plans exactly its deletion', async () => {
    const r = await runCli(['plan', '-c', dir, '--prune', '--target', '202', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout) as { changes: { address: string; action: string }[] };
    expect(plan.changes.filter((c) => c.action !== 'noop').map((c) => `${c.action} ${c.address}`)).toEqual([
      'delete guest.202',
    ]);
  });

  it('apply --prune --target 202 deletes it and nothing else', async () => {
    const r = await runCli(['apply', '-c', dir, '--prune', '--target', '202', '--auto-approve']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/0 created, 0 updated, 1 destroyed/);
    noStack(r.stderr);
    const ids = await vmids();
    expect(ids).not.toContain(202);
    expect(ids).toContain(203);
  });

  it('destroy --target 203 (by id or address) destroys exactly it', async () => {
    const r = await runCli(['destroy', '-c', dir, '--target', 'guest.203', '--auto-approve']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/guest\.203 will be destroyed/);
    noStack(r.stderr + r.stdout);
    const ids = await vmids();
    expect(ids).not.toContain(203);
    expect(ids).toEqual(expect.arrayContaining([101, 102, 103, 1001, 1002]));
  });

  it('an id neither declared nor managed is still unknown (exit 1, no stack)', async () => {
    for (const argv of [
      ['plan', '-c', dir, '--prune', '--target', '299'],
      ['destroy', '-c', dir, '--target', '299', '--auto-approve'],
    ]) {
      const r = await runCli(argv);
      expect(r.code, argv.join(' ')).toBe(1);
      expect(r.stderr).toMatch(/unknown resource '299'|target guest\.299 is not a known resource/);
      noStack(r.stderr + r.stdout);
    }
    expect(await vmids()).toEqual(expect.arrayContaining([101, 102, 103, 1001, 1002]));
  });
});
