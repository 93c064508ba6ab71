/**
 * `phoenix status --json` through the real CLI on the built-in simulator: guests, node-shell
 * resources and host objects, each with its sync state; a config edit shows the host object as
 * drifted with the attribute, like the plan does.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/config/__fixtures__/run-cli.ts';
import { seedGatewayCertificates } from './_gateway-certs.ts';

interface Row {
  address: string;
  kind: string;
  sync: string;
  drift: string[];
}
interface StatusJson {
  guests: { id: number; sync: string }[];
  node: Row[];
  host: Row[];
}

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'phoenix-status-json-'));
  cpSync('examples/homelab', dir, { recursive: true, filter: (src) => !src.includes('.phoenix') });
  seedGatewayCertificates(dir);
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
    const { doc } = await status();
    expect(doc.guests.length).toBeGreaterThanOrEqual(5);
    expect(doc.guests.every((g) => g.sync === 'in sync')).toBe(true);
    expect(doc.node.map((r) => r.kind)).toEqual(expect.arrayContaining(['node.dns', 'node.nfs']));
    expect(doc.node.every((r) => r.sync === 'in sync')).toBe(true);
    const host = new Map(doc.host.map((r) => [r.address, r]));
    expect(host.get('pool.platform')).toEqual({
      address: 'pool.platform',
      kind: 'pve.pool',
      sync: 'in sync',
      drift: [],
    });
    expect(host.get('bridge.pve.vmbr1')?.sync).toBe('in sync');
    expect(doc.host.every((r) => r.kind.startsWith('pve.') && r.sync === 'in sync')).toBe(true);

    const file = join(dir, 'host.yaml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(
        'comment: "gateway, ingress, CA and Swarm guests"',
        'comment: "platform guests"',
      ),
    );
    const after = await status();
    expect(after.doc.host.find((r) => r.address === 'pool.platform')).toMatchObject({
      sync: 'drifted',
      drift: ['comment'],
    });
  });
});
