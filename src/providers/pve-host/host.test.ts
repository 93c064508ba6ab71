/**
 * The host handlers through the real engine (makePlan → executePlan) over the simulator's
 * cluster model, validated against the PVE schema: converge, a second plan with no change and
 * zero mutating requests, drift, ownership (never touch what Phoenix does not own, prune only
 * what it owns), the token secret only in the sink.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mutatingChanges, startHostFixture, HOST_CONFIG, type HostFixture } from './_fixture.ts';

let fx: HostFixture;
beforeEach(async () => {
  fx = await startHostFixture();
});
afterEach(async () => {
  await fx.close();
});

function failures(result: Awaited<ReturnType<HostFixture['apply']>>): string[] {
  return [...result.outcomes.values()]
    .filter((o) => o.outcome === 'failed' || o.outcome === 'skipped')
    .map((o) => `${o.address}: ${(o.error as Error | undefined)?.message ?? o.reason ?? ''}`);
}

async function converge(config: unknown = HOST_CONFIG): Promise<void> {
  const planned = await fx.plan(config);
  expect(planned.plan.errored, JSON.stringify(planned.plan)).toBe(false);
  const result = await fx.apply(planned);
  expect(failures(result)).toEqual([]);
}

describe('pve-host handlers', () => {
  it('converge the declared host, then plan nothing and send zero mutating requests', async () => {
    const first = await fx.plan();
    expect(mutatingChanges(first).sort()).toEqual(
      [
        'create acl./.PhoenixTest.phoenix@pve!gitops',
        'create bridge.pve.vmbr1',
        'create firewall.alias.lan',
        'create firewall.group.mgmt',
        'create firewall.ipset.trusted',
        'create pool.platform',
        'create role.PhoenixTest',
        'create storage.nas',
        'create storage.tank',
        'create storage.thin',
        'create token.phoenix@pve!gitops',
        'create user.phoenix@pve',
        'update bridge.pve.vmbr0',
        'update firewall.cluster',
        'update firewall.node.pve',
        'update storage.local',
      ].sort(),
    );
    // The bridge diff is in the plan, attribute by attribute.
    const vmbr0 = first.plan.changes.find((c) => c.address === 'bridge.pve.vmbr0');
    expect(vmbr0?.attributes.map((a) => a.path).sort()).toEqual(['cidr', 'comment', 'gateway']);
    expect(vmbr0?.reasons[0]).toMatch(/adopted/);

    const result = await fx.apply(first);
    expect(failures(result)).toEqual([]);

    const c = fx.client;
    const bridges = await c.network.list('pve', 'bridge');
    expect(bridges.find((b) => b.iface === 'vmbr1')).toMatchObject({
      cidr: '10.10.0.1/24',
      bridge_vlan_aware: 1,
      comments: 'phoenix: services',
      active: 1,
    });
    expect(bridges.find((b) => b.iface === 'vmbr0')).toMatchObject({ cidr: '192.168.1.10/24', gateway: '192.168.1.1' });
    const storages = await c.request<{ storage: string; content: string }[]>('GET', '/storage');
    expect(Object.fromEntries(storages.map((s) => [s.storage, s.content]))).toMatchObject({
      local: 'backup,import,iso,snippets,vztmpl',
      tank: 'images,rootdir',
      nas: 'backup',
      thin: 'images',
    });
    const rules = await c.firewall.rules({ level: 'cluster' });
    expect(rules.map((r) => [r.type, r.action, r.dport ?? null, r.comment])).toEqual([
      ['group', 'mgmt', null, 'phoenix'],
      ['in', 'ACCEPT', '443', 'phoenix: gateway'],
    ]);
    expect(await c.firewall.options({ level: 'cluster' })).toMatchObject({ enable: 1, policy_in: 'DROP' });
    expect((await c.firewall.ipsetEntries({ level: 'cluster' }, 'trusted')).map((e) => e.cidr).sort()).toEqual([
      '10.10.0.0/24',
      '192.168.1.0/24',
    ]);
    const acl = await c.access.acl();
    expect(acl).toContainEqual(
      expect.objectContaining({ path: '/', roleid: 'PhoenixTest', ugid: 'phoenix@pve!gitops', type: 'token' }),
    );

    // The secret went to the sink and nowhere else.
    const secret = fx.sink.values.get('file:secrets/pve-token') ?? '';
    expect(secret).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.stringify(first.plan)).not.toContain(secret);
    expect(JSON.stringify(result.journal.entries)).not.toContain(secret);

    const mark = fx.sim.requests.length;
    const second = await fx.plan();
    expect(mutatingChanges(second)).toEqual([]);
    expect(second.plan.drift).toEqual([]);
    const again = await fx.apply(second);
    expect(failures(again)).toEqual([]);
    expect(fx.mutatingRequests(mark)).toEqual([]);
  });

  it('shows out-of-band edits as drift and reverts them', async () => {
    await converge();
    const c = fx.client;
    await c.firewall.setOptions({ level: 'cluster' }, { policy_in: 'ACCEPT' });
    await c.network.update('pve', 'vmbr1', { type: 'bridge', cidr: '10.10.9.1/24' });
    await c.network.apply('pve');
    await c.firewall.updateRule({ level: 'node', node: 'pve' }, 0, { dport: '5353' });
    const drifted = await fx.plan();
    expect(drifted.plan.drift.map((d) => [d.address, d.paths]).sort()).toEqual([
      ['bridge.pve.vmbr1', ['cidr']],
      ['firewall.cluster', ['options.policy_in']],
      ['firewall.node.pve', ['rules']],
    ]);
    const result = await fx.apply(drifted);
    expect(failures(result)).toEqual([]);
    expect(mutatingChanges(await fx.plan())).toEqual([]);
  });

  it('removes bridge settings the config dropped (gateway, ports, VLAN awareness) in one staged edit', async () => {
    await converge();
    const changed = structuredClone(HOST_CONFIG);
    const [vmbr0, vmbr1] = changed.network.bridges as Record<string, unknown>[];
    delete vmbr0?.gateway;
    if (vmbr0) vmbr0.ports = [];
    if (vmbr1) vmbr1.vlanAware = false;
    const planned = await fx.plan(changed);
    expect(
      planned.plan.changes
        .filter((ch) => ch.kind === 'pve.bridge')
        .map((ch) => [ch.address, ch.attributes.map((a) => a.path).sort()]),
    ).toEqual([
      ['bridge.pve.vmbr0', ['gateway', 'ports']],
      ['bridge.pve.vmbr1', ['vlanAware']],
    ]);
    const mark = fx.sim.requests.length;
    expect(failures(await fx.apply(planned))).toEqual([]);
    // Each bridge: one staged edit, then one apply (reload) of the node's network.
    const network = fx.mutatingRequests(mark).filter((r) => r.includes('/network'));
    const apply = 'PUT /api2/json/nodes/pve/network';
    expect([network[1], network[3]]).toEqual([apply, apply]);
    expect([network[0], network[2]].sort()).toEqual([`${apply}/vmbr0`, `${apply}/vmbr1`]);
    const bridges = await fx.client.network.list('pve', 'bridge');
    const b0 = bridges.find((b) => b.iface === 'vmbr0');
    expect([b0?.gateway, b0?.bridge_ports]).toEqual([undefined, undefined]);
    expect(bridges.find((b) => b.iface === 'vmbr1')?.bridge_vlan_aware).toBeUndefined();
    expect(mutatingChanges(await fx.plan(changed))).toEqual([]);
  });

  it('changes an alias and drops an IPSet entry in place (no re-create)', async () => {
    await converge();
    const changed = structuredClone(HOST_CONFIG) as unknown as {
      host: { firewall: { ipsets: { cidrs: string[] }[]; aliases: { cidr: string }[] } };
    };
    const fw = changed.host.firewall;
    fw.ipsets[0]!.cidrs = ['192.168.1.0/24'];
    fw.aliases[0]!.cidr = '192.168.2.0/24';
    const mark = fx.sim.requests.length;
    await converge(changed);
    expect(fx.mutatingRequests(mark).sort()).toEqual([
      'DELETE /api2/json/cluster/firewall/ipset/trusted/10.10.0.0%2F24',
      'PUT /api2/json/cluster/firewall/aliases/lan',
    ]);
    const c = fx.client;
    expect((await c.firewall.ipsetEntries({ level: 'cluster' }, 'trusted')).map((e) => e.cidr)).toEqual([
      '192.168.1.0/24',
    ]);
    expect((await c.firewall.aliases({ level: 'cluster' })).find((a) => a.name === 'lan')?.cidr).toBe('192.168.2.0/24');
    expect(mutatingChanges(await fx.plan(changed))).toEqual([]);
  });

  it('never touches objects Phoenix does not own, and prunes only its own', async () => {
    const c = fx.client;
    // Someone else's objects: a bridge, a rule, a user with a token, an alias, a storage.
    await c.network.create('pve', { iface: 'vmbr9', type: 'bridge', cidr: '172.16.0.1/24', comments: 'lab' });
    await c.network.apply('pve');
    await c.firewall.createRule(
      { level: 'cluster' },
      { type: 'in', action: 'ACCEPT', dport: '22', proto: 'tcp', enable: 1 },
    );
    await c.access.createUser({ userid: 'alice@pve', comment: 'admin' });
    await c.access.createToken('alice@pve', 'cli', { comment: 'hers' });
    await c.firewall.createAlias({ level: 'cluster' }, { name: 'office', cidr: '10.1.0.0/16' });
    await c.request('POST', '/storage', { storage: 'backup', type: 'dir', path: '/mnt/backup', content: 'backup' });
    await converge();

    // The plan lists every unowned rule and keeps Phoenix's on top, in order.
    const rules = await c.firewall.rules({ level: 'cluster' });
    expect(rules.map((r) => r.comment ?? '')).toEqual(['phoenix', 'phoenix: gateway', '']);

    // Drop everything from the host section and the network/storage lists, and prune.
    const empty = { version: 1, cluster: HOST_CONFIG.cluster };
    const pruned = await fx.plan(empty, true);
    expect(pruned.plan.errored).toBe(false);
    expect(mutatingChanges(pruned).sort()).toEqual(
      [
        'delete acl./.PhoenixTest.phoenix@pve!gitops',
        'delete bridge.pve.vmbr0',
        'delete bridge.pve.vmbr1',
        'delete firewall.alias.lan',
        'delete firewall.cluster',
        'delete firewall.group.mgmt',
        'delete firewall.ipset.trusted',
        'delete firewall.node.pve',
        'delete pool.platform',
        'delete token.phoenix@pve!gitops',
        'delete user.phoenix@pve',
      ].sort(),
    );
    const result = await fx.apply(pruned);
    expect(failures(result)).toEqual([]);

    // Everything of someone else is still there, untouched.
    expect((await c.network.list('pve', 'bridge')).map((b) => b.iface).sort()).toEqual(['vmbr9']);
    expect((await c.firewall.rules({ level: 'cluster' })).map((r) => [r.dport, r.comment ?? ''])).toEqual([['22', '']]);
    expect((await c.access.users()).map((u) => u.userid)).toContain('alice@pve');
    expect((await c.access.tokens('alice@pve')).map((t) => t.tokenid)).toEqual(['cli']);
    expect((await c.firewall.aliases({ level: 'cluster' })).map((a) => a.name)).toEqual(['office']);
    const storages = (await c.request<{ storage: string }[]>('GET', '/storage')).map((s) => s.storage).sort();
    // Storages are never removed, not even Phoenix's (see storage.ts).
    expect(storages).toEqual(['backup', 'local', 'nas', 'tank', 'thin']);
    expect(mutatingChanges(await fx.plan(empty, true))).toEqual([]);
  });

  it('refuses to change a built-in role', async () => {
    const planned = await fx.plan({ version: 1, host: { roles: [{ id: 'PVEAdmin', privileges: ['VM.Audit'] }] } });
    expect(planned.plan.errored).toBe(true);
    expect(planned.plan.diagnostics.map((d) => d.code)).toContain('E_BUILTIN_ROLE');
  });

  it('refuses a storage whose type or path changed (protected: never replaced)', async () => {
    await converge();
    const changed = structuredClone(HOST_CONFIG);
    (changed.storage[1] as { pool: string }).pool = 'tank/other';
    const planned = await fx.plan(changed);
    expect(planned.plan.errored).toBe(true);
    expect(planned.plan.changes.find((ch) => ch.address === 'storage.tank')?.reasons).toEqual([
      'pool cannot change in place (tank/guests -> tank/other)',
    ]);
  });

  it('never rotates an owned token whose secret was lost: a warning, no change, the token untouched', async () => {
    await converge();
    fx.sink.values.clear();
    const planned = await fx.plan();
    const change = planned.plan.changes.find((ch) => ch.address === 'token.phoenix@pve!gitops');
    expect(change?.action).toBe('noop');
    expect(change?.attributes).toEqual([]);
    expect(planned.plan.diagnostics).toContainEqual(
      expect.objectContaining({ code: 'W_TOKEN_SECRET_LOST', address: 'token.phoenix@pve!gitops' }),
    );
    expect(mutatingChanges(planned)).toEqual([]);
    expect(fx.sink.values.size).toBe(0);
  });
});
