/**
 * Issue 8, "only what carries Phoenix's marker is ever deleted": `destroy` deleted guest 150,
 * imported (`phoenix import`) but never tagged. Destroy, prune and replace now act only on what
 * carries the ownership marker; an imported guest is Phoenix's only once the apply tagged it.
 */
import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPhoenix } from '../../src/app/create-phoenix.ts';
import { runCli } from '../../src/config/__fixtures__/run-cli.ts';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'phoenix-owner-'));
  cpSync('examples/homelab', dir, { recursive: true, filter: (src) => !src.includes('.phoenix') });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The guest as Proxmox has it now (undefined: gone), straight from the simulator. */
async function guest150(): Promise<Record<string, unknown> | undefined> {
  const p = await createPhoenix({ configDir: dir });
  try {
    return await p.client.lxc.config('pve', 150).catch(() => undefined);
  } finally {
    await p.close();
  }
}

describe('ownership decides what may be deleted', () => {
  it('destroy refuses an imported guest that was never tagged, and leaves it byte-for-byte alone', async () => {
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
    expect((await runCli(['import', '150', '-c', dir])).code).toBe(0);
    const before = await guest150();
    expect(before).toBeDefined();

    const r = await runCli(['destroy', '-c', dir, '--auto-approve']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/refused: guest\.150 .*ownership/);
    expect(r.stdout).not.toMatch(/guest\.150.*(delete|destroy)/i);
    expect(await guest150()).toEqual(before);
  });

  it('a change that forces replacement of the untagged guest is a plan error, and apply changes nothing', async () => {
    const file = join(dir, 'guests', 'imported-150.yaml');
    const yaml = readFileSync(file, 'utf8');
    const shrunk = yaml.replace(/size: 4\b/, 'size: 2');
    expect(shrunk).not.toBe(yaml);
    writeFileSync(file, shrunk);
    const before = await guest150();
    const plan = await runCli(['plan', '-c', dir, '--json']);
    const json = JSON.parse(plan.stdout) as { errored: boolean; diagnostics: { code: string; address?: string }[] };
    expect(json.errored).toBe(true);
    expect(json.diagnostics).toContainEqual(expect.objectContaining({ code: 'E_NOT_OWNED', address: 'guest.150' }));
    const apply = await runCli(['apply', '-c', dir, '--auto-approve']);
    expect(apply.code).not.toBe(0);
    expect(await guest150()).toEqual(before);
    writeFileSync(file, yaml);
  });

  it('once an apply tagged it, the guest is Phoenix’s: destroy deletes it', async () => {
    const tagged = await runCli(['apply', '-c', dir, '--auto-approve', '--target', '150']);
    expect(tagged.code, tagged.stderr + tagged.stdout).toBe(0);
    expect(String((await guest150())?.tags)).toMatch(/phoenix-managed/);
    const r = await runCli(['destroy', '-c', dir, '--auto-approve', '--target', '150']);
    expect(r.code, r.stderr).toBe(0);
    expect(await guest150()).toBeUndefined();
  });
});

describe('a config file that cannot be loaded stops everything, prune included', () => {
  it('a guest file moved outside the config and linked back: apply --prune fails with a located error, the guest stays', async () => {
    const cfg = mkdtempSync(join(tmpdir(), 'phoenix-link-'));
    const outside = mkdtempSync(join(tmpdir(), 'phoenix-link-out-'));
    try {
      cpSync('examples/homelab', cfg, { recursive: true, filter: (src) => !src.includes('.phoenix') });
      expect((await runCli(['up', '-c', cfg, '--speed', '0'])).code).toBe(0);
      renameSync(join(cfg, 'guests', 'gateway.yaml'), join(outside, 'gateway.yaml'));
      symlinkSync(join(outside, 'gateway.yaml'), join(cfg, 'guests', 'gateway.yaml'));
      const validate = await runCli(['validate', cfg]);
      expect(validate.code).not.toBe(0);
      expect(validate.stdout + validate.stderr).toMatch(/guests\/gateway\.yaml.*outside the config directory/);
      const r = await runCli(['apply', '-c', cfg, '--prune', '--auto-approve']);
      expect(r.code).not.toBe(0);
      expect(r.stdout + r.stderr).toMatch(/guests\/gateway\.yaml/);
      // Put the file back and look: guest 101 (declared in it) was not pruned.
      rmSync(join(cfg, 'guests', 'gateway.yaml'));
      renameSync(join(outside, 'gateway.yaml'), join(cfg, 'guests', 'gateway.yaml'));
      const p = await createPhoenix({ configDir: cfg });
      try {
        expect((await p.client.lxc.config('pve', 101)).hostname).toBe('nginx-gateway');
      } finally {
        await p.close();
      }
    } finally {
      rmSync(cfg, { recursive: true, force: true });
      rmSync(outside, { recursive: true, force: true });
    }
  });
});
