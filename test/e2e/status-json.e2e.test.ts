/**
 * `phoenix status --json` through the real CLI on the built-in simulator: one row per resource
 * of every kind (guests, node-shell resources, host objects) with sync, health and conditions;
 * a config edit shows the host object as drifted with the attribute, like the plan does, and
 * the exit code reflects it (not only guests count).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/config/__fixtures__/run-cli.ts';
import { PROVIDERS } from '../../src/providers/registry.ts';

interface Row {
  address: string;
  kind: string;
  sync: string;
  health: string;
  drift: string[];
  conditions: { type: string; status: string; reason: string; message: string; lastTransitionTime: string }[];
  details: Record<string, string>;
}
interface StatusJson {
  formatVersion: number;
  ok: boolean;
  rows: Row[];
  notManagedSections: string[];
}

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'phoenix-status-json-'));
  cpSync('examples/homelab', dir, { recursive: true, filter: (src) => !src.includes('.phoenix') });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function status(): Promise<{ code: number; doc: StatusJson }> {
  const r = await runCli(['status', '-c', dir, '--json']);
  return { code: r.code, doc: JSON.parse(r.stdout) as StatusJson };
}

describe('phoenix status --json', () => {
  it('lists guests, node resources and host objects in sync after up; a drifted host object says what', async () => {
    const up = await runCli(['up', '-c', dir, '--speed', '0']);
    expect(up.code, up.stderr).toBe(0);
    const { code, doc } = await status();
    expect(code).toBe(0);
    expect(doc).toMatchObject({ formatVersion: 1, ok: true });
    const guests = doc.rows.filter((r) => r.kind === 'proxmox.guest');
    expect(guests.length).toBeGreaterThanOrEqual(5);
    expect(guests.find((g) => g.address === 'guest.101')?.details).toMatchObject({ id: '101', name: 'nginx-gateway' });
    expect(doc.rows.map((r) => r.kind)).toEqual(expect.arrayContaining(['node.dns', 'node.nfs', 'pve.pool']));
    expect(doc.rows.every((r) => r.sync === 'in sync' && r.health === 'healthy')).toBe(true);
    const host = new Map(doc.rows.map((r) => [r.address, r]));
    expect(host.get('pool.platform')).toMatchObject({
      address: 'pool.platform',
      kind: 'pve.pool',
      sync: 'in sync',
      health: 'healthy',
      drift: [],
      conditions: [{ type: 'Synced', status: 'True', reason: 'InSync' }],
    });
    expect(host.get('bridge.pve.vmbr1')?.sync).toBe('in sync');
    // Every registered provider's resources are rows: certificates, and the gateway's and Traefik's
    // too (the simulated guests run their tools and a real `nginx -t`).
    for (const provider of PROVIDERS)
      expect(
        doc.rows.some((r) => provider.kinds.includes(r.kind)),
        provider.name,
      ).toBe(true);
    // Every section the example declares has a provider (routes: gateway, stacks: stacks,
    // Portainer: portainer); one that had none would be listed here, not silently ignored.
    expect(doc.notManagedSections).toEqual([]);

    const file = join(dir, 'host.yaml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(
        'comment: "gateway, ingress, CA and Swarm guests"',
        'comment: "platform guests"',
      ),
    );
    const after = await status();
    expect(after.code).toBe(2);
    expect(after.doc.rows.find((r) => r.address === 'pool.platform')).toMatchObject({
      sync: 'drifted',
      drift: ['comment'],
    });
  });
});
