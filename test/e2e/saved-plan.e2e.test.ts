/**
 * Issue 8: a hand-edited saved plan (a guest's action changed from `noop` to `delete`) was
 * carried out without --prune. A saved plan now carries an HMAC (key in the state folder), and
 * applying one re-checks every action against what Phoenix plans now: ownership and prune.
 */
import { createHmac } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPhoenix } from '../../src/app/create-phoenix.ts';
import { runCli } from '../../src/config/__fixtures__/run-cli.ts';
import { stableStringify } from '../../src/engine/plan/digest.ts';

let dir = '';
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'phoenix-saved-'));
  cpSync('examples/homelab', dir, { recursive: true, filter: (src) => !src.includes('.phoenix') });
  const up = await runCli(['up', '-c', dir, '--speed', '0']);
  if (up.code !== 0) throw new Error(up.stderr);
  // A guest Phoenix does not own, declared (imported) but never applied: untagged.
  const p = await createPhoenix({ configDir: dir });
  const upid = await p.client.lxc.create('pve', {
    vmid: 150,
    ostemplate: 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst',
    hostname: 'legacy',
    unprivileged: 1,
    rootfs: 'local-zfs:4',
    memory: 256,
    net0: 'name=eth0,bridge=vmbr1,ip=10.10.0.150/24,gw=10.10.0.1',
  });
  await p.client.waitForTask('pve', upid);
  await p.close();
  if ((await runCli(['import', '150', '-c', dir])).code !== 0) throw new Error('import failed');
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface SavedPlan {
  changes: { address: string; action: string }[];
  options: { prune: boolean; targets: string[] };
  integrity?: { algorithm: string; mac: string };
}

/** Every guest's config as Proxmox has it, plus the number of mutating requests so far. */
async function snapshot(): Promise<Record<number, unknown>> {
  const p = await createPhoenix({ configDir: dir });
  try {
    const out: Record<number, unknown> = {};
    for (const row of await p.client.cluster.resources('vm')) {
      const api = row.type === 'lxc' ? p.client.lxc : p.client.qemu;
      out[Number(row.vmid)] = await api.config(String(row.node), Number(row.vmid));
    }
    return out;
  } finally {
    await p.close();
  }
}

async function savedPlan(file: string): Promise<SavedPlan> {
  const r = await runCli(['plan', '-c', dir, '--target', '101', '--target', '150', '-out', file]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(readFileSync(file, 'utf8')) as SavedPlan;
}

/** Signs an edited plan with the environment's own key, as if the edit had been made by Phoenix. */
function resign(plan: SavedPlan): SavedPlan {
  const key = readFileSync(join(dir, '.phoenix', 'plan.key'));
  const { integrity: _dropped, ...body } = plan;
  return {
    ...body,
    integrity: { algorithm: 'hmac-sha256', mac: createHmac('sha256', key).update(stableStringify(body)).digest('hex') },
  };
}

const edit = (plan: SavedPlan, address: string, action: string): SavedPlan => ({
  ...plan,
  changes: plan.changes.map((c) => (c.address === address ? { ...c, action } : c)),
});

describe('saved plans', () => {
  it('carry an integrity check; an edited file is refused before anything is sent', async () => {
    const file = join(dir, 'p1.json');
    const plan = await savedPlan(file);
    expect(plan.integrity?.algorithm).toBe('hmac-sha256');
    expect(plan.changes.find((c) => c.address === 'guest.101')?.action).toBe('noop');
    writeFileSync(file, JSON.stringify(edit(plan, 'guest.101', 'delete'), null, 2));
    const before = await snapshot();
    const r = await runCli(['apply', file, '-c', dir]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/changed after it was made/);
    expect(r.stderr).not.toMatch(/\n\s+at .*\.ts:\d+/);
    expect(await snapshot()).toEqual(before);
  });

  it('a plan without the integrity check is refused too', async () => {
    const file = join(dir, 'p2.json');
    const { integrity: _i, ...bare } = await savedPlan(file);
    writeFileSync(file, JSON.stringify(bare, null, 2));
    const r = await runCli(['apply', file, '-c', dir]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/integrity/);
  });

  it('even correctly signed, noop -> delete is refused without --prune: the guest stays', async () => {
    const file = join(dir, 'p3.json');
    writeFileSync(file, JSON.stringify(resign(edit(await savedPlan(file), 'guest.101', 'delete')), null, 2));
    const before = await snapshot();
    const r = await runCli(['apply', file, '-c', dir]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/action\(s\) Phoenix would not take/);
    expect(r.stderr).toMatch(/guest\.101/);
    expect(await snapshot()).toEqual(before);
  });

  it('with prune in the (signed) plan, a delete of a declared or unowned guest is still refused', async () => {
    const file = join(dir, 'p4.json');
    const plan = await savedPlan(file);
    expect(plan.changes.find((c) => c.address === 'guest.150')?.action).toBe('update');
    const pruned = {
      ...edit(edit(plan, 'guest.150', 'delete'), 'guest.101', 'delete'),
      options: { ...plan.options, prune: true },
    };
    writeFileSync(file, JSON.stringify(resign(pruned), null, 2));
    const before = await snapshot();
    const r = await runCli(['apply', file, '-c', dir]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/action\(s\) Phoenix would not take/);
    expect(r.stderr).toMatch(/guest\.150/);
    expect(await snapshot()).toEqual(before);
  });

  it('an unedited saved plan still applies exactly', async () => {
    const file = join(dir, 'p5.json');
    await savedPlan(file);
    const r = await runCli(['apply', file, '-c', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(String(((await snapshot())[150] as { tags?: string }).tags)).toMatch(/phoenix-managed/);
  });
});
