/**
 * The core-loop commands through the real CLI entry (`main()`), on the built-in simulator (its
 * state persisted between commands in <config>/.phoenix/simulator.json): up, status, plan with
 * --detailed-exitcode and --json, apply without a TTY, stop/start order, graph, import.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPhoenix } from '../../src/app/create-phoenix.ts';
import { runCli } from '../../src/config/__fixtures__/run-cli.ts';

let dir = '';

/** The real CLI entry with its output captured (the shared `runCli`), as `out` / `err`. */
async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const { code, stdout, stderr } = await runCli(argv);
  return { code, out: stdout, err: stderr };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'phoenix-cli-'));
  cpSync('examples/homelab', dir, { recursive: true, filter: (src) => !src.includes('.phoenix') });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('phoenix CLI on the built-in simulator', () => {
  it('up brings examples/homelab up and prints what runs', async () => {
    const r = await run('up', '-c', dir, '--speed', '0');
    expect(r.code, r.err).toBe(0);
    // Counted the way `validate` counts them: templates apart from guests.
    expect(r.err).toMatch(/simulator \(5 guests and 2 templates declared\)/);
    expect((await run('validate', dir, '--no-resolve-secrets')).out).toMatch(/is valid: 5 guests, 2 templates,/);
    expect(r.err).toMatch(/Apply complete! Resources: \d+ created/);
    expect(r.err).toMatch(/guest\.1002: created/);
    for (const line of [
      '101   nginx-gateway',
      '102   traefik-internal',
      '103   step-ca',
      '1001  portainer',
      '1002  worker',
    ]) {
      expect(r.out).toMatch(new RegExp(`${line}.*running\\s+healthy\\s+in sync`));
    }
    expect(existsSync(join(dir, '.phoenix', 'simulator.json'))).toBe(true);
    expect(existsSync(join(dir, '.phoenix', 'state.db'))).toBe(true);
  });

  it('up again changes nothing; plan --detailed-exitcode exits 0', async () => {
    expect((await run('up', '-c', dir)).err).toMatch(/already up and in sync/);
    const r = await run('plan', '-c', dir, '--detailed-exitcode');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/No changes/);
  });

  it('drift: plan --detailed-exitcode exits 2, --json names the attribute; apply without a TTY asks for --auto-approve', async () => {
    const p = await createPhoenix({ configDir: dir });
    p.simulator?.control('set-config', { vmid: 1001, key: 'cores', value: 8 });
    await p.close();
    expect((await run('plan', '-c', dir, '--detailed-exitcode')).code).toBe(2);
    const json = JSON.parse((await run('plan', '-c', dir, '--json')).out) as {
      changes: { address: string; action: string; attributes: { path: string }[] }[];
    };
    const changed = json.changes.filter((c) => c.action !== 'noop');
    expect(changed.map((c) => [c.address, c.action, c.attributes.map((a) => a.path)])).toEqual([
      ['guest.1001', 'update-restart', ['cores']],
    ]);
    const refused = await run('apply', '-c', dir);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/--auto-approve/);
    const applied = await run('apply', '-c', dir, '--auto-approve');
    expect(applied.code, applied.err).toBe(0);
    expect((await run('plan', '-c', dir, '--detailed-exitcode')).code).toBe(0);
  });

  it('plan -out FILE then apply FILE carries out exactly that plan', async () => {
    const p = await createPhoenix({ configDir: dir });
    p.simulator?.control('set-config', { vmid: 101, key: 'memory', value: 4096 });
    await p.close();
    const file = join(dir, 'saved.plan.json');
    const planned = await run('plan', '-c', dir, '-out', file);
    expect(planned.code, planned.err).toBe(0);
    expect(existsSync(file)).toBe(true);
    const applied = await run('apply', file, '-c', dir);
    expect(applied.code, applied.err).toBe(0);
    expect(applied.err).toMatch(/1 updated/);
    expect((await run('plan', '-c', dir, '--detailed-exitcode')).code).toBe(0);
  });

  it('stop stops dependents first; start brings dependencies up first', async () => {
    const stop = await run('stop', '103', '-c', dir);
    expect(stop.code, stop.err).toBe(0);
    const order = [...stop.err.matchAll(/guest\.(\d+) .*: stopping/g)].map((m) => m[1]);
    expect(order.indexOf('103')).toBe(order.length - 1);
    expect(order.indexOf('1002')).toBeLessThan(order.indexOf('1001'));
    // The stop ran as an engine run: recorded in the state file's journal, under the lease.
    const p = await createPhoenix({ configDir: dir });
    try {
      const [last] = p.state().runs.list(p.environment, 1);
      const journaled = p
        .state()
        .journal.entries(last?.id ?? '')
        .map((e) => e.address);
      expect(journaled).toEqual(expect.arrayContaining(['guest.103', 'guest.1002']));
    } finally {
      await p.close();
    }
    const status = await run('status', '-c', dir, '--json');
    expect(status.code).toBe(2);
    const start = await run('start', 'worker', '-c', dir);
    expect(start.code, start.err).toBe(0);
    // Through the engine: independent guests start in parallel, each after what it depends on.
    const started = [...start.err.matchAll(/guest\.(\d+) .*: starting/g)].map((m) => m[1]);
    expect([...started].sort()).toEqual(['1001', '1002', '101', '102', '103']);
    expect(started[0]).toBe('103');
    expect(started.indexOf('1001')).toBeLessThan(started.indexOf('1002'));
    // The guest agents of the VMs answer a moment after the start (health = running + agent).
    let code = -1;
    for (let i = 0; i < 50 && code !== 0; i++) {
      code = (await run('status', '-c', dir)).code;
      if (code !== 0) await new Promise((r) => setTimeout(r, 200));
    }
    expect(code).toBe(0);
  });

  it('graph prints a Mermaid flowchart', async () => {
    const r = await run('graph', '-c', dir);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^flowchart LR/);
    expect(r.out).toContain('"1002 worker"');
  });

  it('import adopts an unmanaged guest: the next plan only adds the ownership tag', async () => {
    const p = await createPhoenix({ configDir: dir });
    const upid = await p.client.lxc.create('pve', {
      vmid: 150,
      ostemplate: 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst',
      hostname: 'legacy',
      rootfs: 'local-zfs:4',
      memory: 256,
      net0: 'name=eth0,bridge=vmbr1,ip=10.10.0.150/24,gw=10.10.0.1',
    });
    await p.client.waitForTask('pve', upid);
    await p.close();
    const before = await run('plan', '-c', dir, '--json');
    expect(JSON.parse(before.out).unmanaged.map((u: { address: string }) => u.address)).toContain('guest.150');
    const r = await run('import', '150', '-c', dir);
    expect(r.code, r.err).toBe(0);
    const yaml = readFileSync(join(dir, 'guests', 'imported-150.yaml'), 'utf8');
    expect(yaml).toMatch(/name: legacy/);
    const plan = JSON.parse((await run('plan', '-c', dir, '--json')).out) as {
      changes: { address: string; action: string; attributes: { path: string }[] }[];
    };
    // Guests only: the node side may add the new guest's DNS record too.
    const changed = plan.changes.filter((c) => c.action !== 'noop' && c.address.startsWith('guest.'));
    expect(changed.map((c) => c.address)).toEqual(['guest.150']);
    expect(changed[0]?.attributes.map((a) => a.path)).toContain('tags');
    // Adopted in place: never a replace (which would delete the guest it adopts).
    expect(changed[0]?.action).toBe('update');
    const adopted = await run('apply', '-c', dir, '--auto-approve');
    expect(adopted.code, adopted.err).toBe(0);
    expect((await run('plan', '-c', dir, '--detailed-exitcode')).code).toBe(0);
  });
});
