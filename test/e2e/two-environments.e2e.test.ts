/**
 * Issue 8: ownership was per host, not per environment. Two config directories against one
 * Proxmox saw each other's guests as "managed by Phoenix but no longer in the configuration",
 * `plan --prune` in one would have deleted the other's resources (a protected guest included),
 * and shared objects flipped back and forth. Here two environments share one simulator: the
 * homelab (identity derived from its directory) and "beta" (declared).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPhoenix, type Phoenix } from '../../src/app/create-phoenix.ts';
import { applyPlan, planEnvironment } from '../../src/app/operations.ts';
import { isMutating } from '../../src/engine/index.ts';
import { startE2e, type E2eEnv } from './_harness.ts';

const BETA = `version: 1
environment: beta
cluster:
  domain: beta.arpa
  nodes: [{ name: pve, cores: 16, memory: 65536 }]
network:
  bridges: [{ name: vmbr2, cidr: 10.20.0.1/24, comment: beta network }]
storage:
  - { id: beta-dir, type: dir, path: /srv/beta, content: [vztmpl, rootdir] }
templates:
  - { name: debian-12, kind: lxc, storage: beta-dir, file: debian-12-standard_12.7-1_amd64.tar.zst, source: aplinfo }
guests:
  - { id: 301, name: beta-one, type: lxc, template: debian-12, disk: { storage: beta-dir, size: 4 }, net: [{ name: eth0, bridge: vmbr2, ip: 10.20.0.31/24 }] }
  - { id: 302, name: beta-two, type: lxc, template: debian-12, protected: true, disk: { storage: beta-dir, size: 4 }, net: [{ name: eth0, bridge: vmbr2, ip: 10.20.0.32/24 }] }
host:
  pools: [{ id: beta-pool, comment: beta guests }]
  firewall:
    aliases: [{ name: beta-net, cidr: 10.20.0.0/24 }]
`;
const BETA_VMIDS = [301, 302];

let env: E2eEnv;
let betaDir = '';
const openAlpha = () => env.open();
const openBeta = () =>
  createPhoenix({
    configDir: betaDir,
    endpoint: { url: env.sim.url, tokenId: env.sim.tokenId, tokenSecret: env.tokenSecret },
    taskTimeoutMs: 60_000,
  });

async function withEnv<T>(open: () => Promise<Phoenix>, fn: (p: Phoenix) => Promise<T>): Promise<T> {
  const p = await open();
  try {
    return await fn(p);
  } finally {
    await p.close();
  }
}

const active = (plan: { changes: { action: string; address: string }[] }) =>
  plan.changes
    .filter((c) => isMutating(c.action as Parameters<typeof isMutating>[0]))
    .map((c) => `${c.action} ${c.address}`);

/** Everything on the host that belongs to one side, as Proxmox reports it (compared byte for byte). */
async function snapshot(side: 'alpha' | 'beta'): Promise<string> {
  const mine = (vmid: number) => (side === 'beta') === BETA_VMIDS.includes(vmid);
  const get = async (path: string) => (await env.sim.api('GET', path)).body?.data;
  const out: Record<string, unknown> = {};
  for (const row of (await get('/cluster/resources')) as { type: string; vmid?: number; node?: string }[]) {
    if (row.vmid === undefined || !mine(Number(row.vmid))) continue;
    out[`guest.${row.vmid}`] = await get(`/nodes/${row.node}/${row.type}/${row.vmid}/config`);
  }
  const pick = <T extends Record<string, unknown>>(rows: T[], key: string, betaIds: string[]) =>
    rows.filter((r) => (side === 'beta') === betaIds.includes(String(r[key])));
  out.pools = pick((await get('/pools')) as Record<string, unknown>[], 'poolid', ['beta-pool', 'phoenix-env-beta']);
  out.aliases = pick((await get('/cluster/firewall/aliases')) as Record<string, unknown>[], 'name', ['beta-net']);
  out.network = pick((await get('/nodes/pve/network')) as Record<string, unknown>[], 'iface', ['vmbr2']);
  out.storage = pick((await get('/storage')) as Record<string, unknown>[], 'storage', ['beta-dir']);
  if (side === 'alpha') out.rules = await get('/cluster/firewall/rules');
  return JSON.stringify(out);
}

beforeAll(async () => {
  env = await startE2e();
  betaDir = mkdtempSync(join(tmpdir(), 'phoenix-beta-'));
  writeFileSync(join(betaDir, 'phoenix.yaml'), BETA);
}, 120_000);
afterAll(async () => {
  rmSync(betaDir, { recursive: true, force: true });
  await env.cleanup();
});

describe('two environments on one Proxmox', () => {
  it('each applies, and each plans empty afterwards; the other side is listed as foreign', async () => {
    // The storage first: a template file on a storage that does not exist yet cannot be observed.
    const storage = await withEnv(openBeta, async (p) =>
      applyPlan(p, await planEnvironment(p, { targets: ['storage.beta-dir'] })),
    );
    expect(storage.succeeded).toBe(true);
    for (const open of [openAlpha, openBeta]) {
      const result = await withEnv(open, async (p) => {
        const planned = await planEnvironment(p);
        expect(planned.plan.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
        return applyPlan(p, planned);
      });
      expect(result.succeeded).toBe(true);
    }
    for (const open of [openAlpha, openBeta]) {
      const planned = await withEnv(open, (p) => planEnvironment(p, { prune: true }));
      expect(active(planned.plan)).toEqual([]);
      expect(planned.plan.diagnostics.filter((d) => d.code === 'W_NOT_IN_CONFIG')).toEqual([]);
    }
    const alpha = await withEnv(openAlpha, (p) => planEnvironment(p));
    expect(alpha.plan.unmanaged).toContainEqual(
      expect.objectContaining({ address: 'guest.302', summary: expect.stringMatching(/environment beta/) }),
    );
    const beta = await withEnv(openBeta, (p) => planEnvironment(p));
    expect(beta.plan.unmanaged).toContainEqual(
      expect.objectContaining({ address: 'guest.103', summary: expect.stringMatching(/environment d[0-9a-f]{10}/) }),
    );
    expect(String((await env.sim.api('GET', '/nodes/pve/lxc/302/config')).body?.data && 'ok')).toBe('ok');
    const tags = ((await env.sim.api('GET', '/nodes/pve/lxc/302/config')).body?.data as { tags: string }).tags;
    expect(tags).toMatch(/phoenix-env-beta/);
  });

  it('plan --prune in one prunes only its own; the other environment is byte-for-byte unchanged', async () => {
    const alphaBefore = await snapshot('alpha');
    // beta drops 301 from its config.
    writeFileSync(join(betaDir, 'phoenix.yaml'), BETA.replace(/^ {2}- \{ id: 301.*\n/m, ''));
    const pruned = await withEnv(openBeta, async (p) => {
      const planned = await planEnvironment(p, { prune: true });
      expect(active(planned.plan)).toEqual(['delete guest.301']);
      expect(planned.plan.errored).toBe(false);
      return applyPlan(p, planned);
    });
    expect(pruned.succeeded).toBe(true);
    expect(await snapshot('alpha')).toBe(alphaBefore);

    // alpha prunes: nothing of beta's, not its protected guest either (no E_PROTECTED_DELETE).
    const betaBefore = await snapshot('beta');
    const planned = await withEnv(openAlpha, async (p) => {
      const plan = await planEnvironment(p, { prune: true });
      expect((await applyPlan(p, plan)).succeeded).toBe(true);
      return plan;
    });
    expect(active(planned.plan)).toEqual([]);
    expect(planned.plan.diagnostics.map((d) => d.code)).not.toContain('E_PROTECTED_DELETE');
    expect(await snapshot('beta')).toBe(betaBefore);
  });

  it('an object declared by both is a reported conflict, never changed back and forth', async () => {
    const localBefore = JSON.stringify((await env.sim.api('GET', '/storage/local')).body?.data);
    const text = readFileSync(join(betaDir, 'phoenix.yaml'), 'utf8');
    writeFileSync(
      join(betaDir, 'phoenix.yaml'),
      text.replace(
        '  - { id: beta-dir,',
        '  - { id: local, type: dir, path: /var/lib/vz, content: [vztmpl, iso] }\n  - { id: beta-dir,',
      ),
    );
    const beta = await withEnv(openBeta, (p) => planEnvironment(p));
    expect(beta.plan.errored).toBe(true);
    expect(beta.plan.diagnostics).toContainEqual(
      expect.objectContaining({ code: 'E_OWNERSHIP_CONFLICT', address: 'storage.local' }),
    );
    expect(beta.plan.changes.find((c) => c.address === 'storage.local')?.action).toBe('noop');
    // A guest id the other environment owns is a conflict too.
    writeFileSync(
      join(betaDir, 'phoenix.yaml'),
      text.replace(
        'guests:\n',
        'guests:\n  - { id: 1002, name: beta-three, type: lxc, template: debian-12, disk: { storage: beta-dir, size: 4 }, net: [{ name: eth0, bridge: vmbr2, ip: 10.20.0.33/24 }] }\n',
      ),
    );
    const clash = await withEnv(openBeta, (p) => planEnvironment(p));
    expect(clash.plan.diagnostics).toContainEqual(
      expect.objectContaining({ code: 'E_OWNERSHIP_CONFLICT', address: 'guest.1002' }),
    );
    writeFileSync(join(betaDir, 'phoenix.yaml'), text);
    // The owner is not disturbed: alpha still plans empty, storage.local as it was.
    const alpha = await withEnv(openAlpha, (p) => planEnvironment(p));
    expect(active(alpha.plan)).toEqual([]);
    expect(JSON.stringify((await env.sim.api('GET', '/storage/local')).body?.data)).toBe(localBefore);
  });

  it('objects with the old marker (no environment) are adopted when declared and never pruned by anyone', async () => {
    // As an earlier Phoenix left it: phoenix-managed without an environment tag.
    env.sim.control.apply('set-config', { vmid: 101, key: 'tags', value: 'phoenix;phoenix-managed' });
    const beta = await withEnv(openBeta, (p) => planEnvironment(p, { prune: true }));
    expect(active(beta.plan)).toEqual([]);
    const alpha = await withEnv(openAlpha, async (p) => {
      const planned = await planEnvironment(p, { prune: true });
      expect(active(planned.plan)).toEqual(['update guest.101']);
      expect((await applyPlan(p, planned)).succeeded).toBe(true);
      return p.identity.id;
    });
    const tags = ((await env.sim.api('GET', '/nodes/pve/lxc/101/config')).body?.data as { tags: string }).tags;
    expect(tags).toContain(`phoenix-env-${alpha}`);
  });
});
