/**
 * examples/homelab's host section against the real simulator over HTTP: apply converges bridges,
 * storages, firewall, pool, role, user, token and ACLs; a second apply sends zero mutating
 * requests; the token secret lands only in its file; and the token Phoenix created for itself,
 * holding only the role `phoenix init` derives, can plan and apply the whole environment.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createPhoenix } from '../../src/app/create-phoenix.ts';
import { applyPlan, planEnvironment } from '../../src/app/operations.ts';
import { isMutating } from '../../src/engine/index.ts';
import { phoenixAccess } from '../../src/providers/pve-host/bootstrap.ts';
import {
  ACCESS_API_CALLS,
  GUEST_API_CALLS,
  HOST_API_CALLS,
  LEASE_API_CALLS,
} from '../../src/providers/pve-host/index.ts';
import { getEndpoint, matchRoute } from '../../src/sim/schema/index.ts';
import { startE2e, type E2eEnv } from './_harness.ts';

let env: E2eEnv | undefined;
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

type Applied = Awaited<ReturnType<typeof applyPlan>>;
function failures(result: Applied): string[] {
  return [...result.outcomes.values()]
    .filter((o) => o.outcome === 'failed' || o.outcome === 'skipped')
    .map((o) => `${o.address}: ${o.outcome} ${(o.error as Error | undefined)?.message ?? o.reason ?? ''}`);
}

const HOST_CREATES = [
  'acl./.Phoenix.phoenix@pve',
  'acl./.Phoenix.phoenix@pve!gitops',
  'acl./access.PVEAuditor.phoenix@pve',
  'acl./access.PVEAuditor.phoenix@pve!gitops',
  'bridge.pve.vmbr1',
  'firewall.alias.lan',
  'firewall.alias.services',
  'firewall.group.pve-mgmt',
  'firewall.ipset.admins',
  'pool.platform',
  'role.Phoenix',
  'token.phoenix@pve!gitops',
  'user.phoenix@pve',
  'zfs.pve.tank',
];

describe('homelab host section end to end (HTTP simulator)', () => {
  it('converges the host, then a second apply sends zero mutating requests; the secret stays in its file', async () => {
    env = await startE2e();
    const phoenix = await env.open();
    try {
      const first = await planEnvironment(phoenix);
      const host = first.plan.changes.filter((c) => c.kind.startsWith('pve.'));
      expect(
        host
          .filter((c) => c.action === 'create')
          .map((c) => c.address)
          .sort(),
        // The environment's claims on its comment-less objects (storages, ZFS pools): claims.ts.
      ).toEqual([...HOST_CREATES, `claims.${phoenix.identity.id}`].sort());
      expect(
        host
          .filter((c) => c.action === 'update')
          .map((c) => c.address)
          .sort(),
      ).toEqual(['bridge.pve.vmbr0', 'firewall.cluster', 'firewall.node.pve']);
      // Guests wait for the bridge they are plugged into.
      expect(first.plan.changes.find((c) => c.address === 'guest.101')?.dependsOn).toContain('bridge.pve.vmbr1');

      const result = await applyPlan(phoenix, first);
      expect(failures(result)).toEqual([]);

      const c = phoenix.client;
      const vmbr1 = (await c.network.list('pve', 'bridge')).find((b) => b.iface === 'vmbr1');
      expect(vmbr1).toMatchObject({
        cidr: '10.10.0.1/24',
        // The ownership marker names the environment (issue 8).
        comments: `phoenix[${phoenix.identity.id}]: internal services network (NAT through the host)`,
      });
      expect((await c.firewall.rules({ level: 'cluster' })).map((r) => [r.type, r.action, r.dport ?? ''])).toEqual([
        ['group', 'pve-mgmt', ''],
        ['in', 'ACCEPT', '53'],
        ['in', 'ACCEPT', '111,2049'],
      ]);
      expect(await c.firewall.options({ level: 'cluster' })).toMatchObject({ enable: 1, policy_in: 'DROP' });
      expect((await c.firewall.groupRules('pve-mgmt')).map((r) => r.dport)).toEqual(['8006', '22']);

      const secretFile = join(env.configDir, '.phoenix/secrets/pve-token');
      const secret = readFileSync(secretFile, 'utf8').trim();
      expect(secret).toMatch(/^[0-9a-f-]{36}$/);
      expect(statSync(secretFile).mode & 0o777).toBe(0o600);
      expect(JSON.stringify(first.plan)).not.toContain(secret);
      const events = phoenix.state().events.list({ limit: 10_000 });
      expect(JSON.stringify(events)).not.toContain(secret);

      const mark = env.sim.requests.length;
      const second = await planEnvironment(phoenix);
      expect(second.plan.changes.filter((ch) => isMutating(ch.action)).map((ch) => ch.address)).toEqual([]);
      expect(failures(await applyPlan(phoenix, second))).toEqual([]);
      expect(env.mutating(mark)).toEqual([]);

      // Every call the apply made is one `phoenix init` derived the role from.
      const known = new Set(
        [...HOST_API_CALLS, ...GUEST_API_CALLS, ...ACCESS_API_CALLS, ...LEASE_API_CALLS].map(
          (call) => `${call.method} ${call.route}`,
        ),
      );
      const made = new Set(
        env.sim.requests.map((r) => {
          const path = (r.path.replace(/^\/api2\/json/, '').split('?')[0] ?? '').replace(/\/$/, '');
          return `${r.method} ${matchRoute(path)?.route ?? path}`;
        }),
      );
      expect([...made].filter((call) => !known.has(call))).toEqual([]);
    } finally {
      await phoenix.close();
    }
  });

  it("Phoenix's own least-privilege token (the role `phoenix init` derives) applies the whole environment", async () => {
    env = await startE2e();
    // Bootstrap as root exactly what `phoenix init` tells a person to create: role, user, token, ACL.
    const root = await env.open();
    try {
      const access = [
        'acl./.Phoenix.phoenix@pve',
        'acl./.Phoenix.phoenix@pve!gitops',
        'acl./access.PVEAuditor.phoenix@pve',
        'acl./access.PVEAuditor.phoenix@pve!gitops',
      ];
      const bootstrap = await planEnvironment(root, { targets: access });
      expect(
        bootstrap.plan.changes
          .filter((ch) => isMutating(ch.action))
          .map((ch) => ch.address)
          .sort(),
      ).toEqual([...access, 'role.Phoenix', 'token.phoenix@pve!gitops', 'user.phoenix@pve']);
      expect(failures(await applyPlan(root, bootstrap))).toEqual([]);
    } finally {
      await root.close();
    }
    const tokenSecret = readFileSync(join(env.configDir, '.phoenix/secrets/pve-token'), 'utf8').trim();
    const phoenix = await createPhoenix({
      configDir: env.configDir,
      endpoint: { url: env.sim.url, tokenId: 'phoenix@pve!gitops', tokenSecret },
      taskTimeoutMs: 60_000,
    });
    try {
      const mark = env.sim.requests.length;
      const planned = await planEnvironment(phoenix);
      expect(planned.plan.errored, JSON.stringify(planned.plan.diagnostics)).toBe(false);
      // Everything else — guests, templates, bridges, firewall, pool — with the derived role only.
      expect(planned.plan.changes.filter((ch) => ch.action === 'create').map((ch) => ch.address)).toContain(
        'guest.1002',
      );
      expect(failures(await applyPlan(phoenix, planned))).toEqual([]);
      expect(env.sim.requests.slice(mark).filter((r) => r.status === 403)).toEqual([]);
      // The plan saw everything (list endpoints filter by privilege): nothing left to do.
      const again = await planEnvironment(phoenix);
      expect(again.plan.changes.filter((ch) => isMutating(ch.action)).map((ch) => ch.address)).toEqual([]);
    } finally {
      await phoenix.close();
    }
  });

  it('declares exactly the role `phoenix init` derives', async () => {
    const access = phoenixAccess({ user: 'phoenix@pve', token: 'gitops', role: 'Phoenix' }, (m, r) => {
      const e = getEndpoint(m, r);
      return e ? (e.permissions ?? null) : undefined;
    });
    const text = readFileSync('examples/homelab/host.yaml', 'utf8');
    const declared = [...text.matchAll(/^ {8}- ([A-Z][\w.]+)$/gm)].map((m) => m[1]);
    expect(declared).toEqual(access.privileges);
  });

  it("with --prune finds Phoenix's own host objects even when no object of their kind is declared", async () => {
    env = await startE2e();
    let phoenix = await env.open();
    try {
      expect(failures(await applyPlan(phoenix, await planEnvironment(phoenix)))).toEqual([]);
    } finally {
      await phoenix.close();
    }
    // The config drops its only pool: nothing of kind pve.pool is declared any more.
    const hostFile = join(env.configDir, 'host.yaml');
    const text = readFileSync(hostFile, 'utf8');
    const withoutPools = text.replace(/\n {2}pools:\n {4}- \{ id: platform[^\n]*\n/, '\n');
    expect(withoutPools).not.toBe(text);
    writeFileSync(hostFile, withoutPools);
    phoenix = await env.open();
    try {
      const kept = await planEnvironment(phoenix);
      expect(kept.plan.changes.filter((c) => c.action !== 'noop').map((c) => c.address)).toEqual([]);
      const pruned = await planEnvironment(phoenix, { prune: true });
      expect(pruned.plan.changes.filter((c) => c.action !== 'noop').map((c) => `${c.action} ${c.address}`)).toEqual([
        'delete pool.platform',
      ]);
      expect(failures(await applyPlan(phoenix, pruned))).toEqual([]);
      expect((await phoenix.client.access.pools()).map((p) => p.poolid)).not.toContain('platform');
    } finally {
      await phoenix.close();
    }
  });
});
