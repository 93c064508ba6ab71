/**
 * `pve.zfs` through the engine over the HTTP simulator: create when missing (with the storage on
 * it ordered after the pool), a second plan is a noop, a changed layout is refused (never
 * destroyed), an undeclared pool is unmanaged and survives prune.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mutatingChanges, startHostFixture, type HostFixture } from './_fixture.ts';
import { layoutOf } from './zfs.ts';

const config = (zfs: unknown[]) => ({
  version: 1,
  cluster: { nodes: [{ name: 'pve' }] },
  storage: [{ id: 'tank', type: 'zfspool', pool: 'tank', content: ['images', 'rootdir'] }],
  host: { zfs },
});
const TANK = { node: 'pve', name: 'tank', devices: ['/dev/sdb', '/dev/sdc'], raidlevel: 'mirror', compression: 'lz4' };

let fx: HostFixture;
beforeEach(async () => {
  fx = await startHostFixture();
});
afterEach(async () => {
  await fx.close();
});

describe('pve.zfs', () => {
  it('creates a missing pool before the storage on it, then plans nothing', async () => {
    const first = await fx.plan(config([TANK]));
    expect(mutatingChanges(first).sort()).toEqual(['create storage.tank', 'create zfs.pve.tank']);
    const result = await fx.apply(first);
    expect([...result.outcomes.values()].map((o) => `${o.address} ${o.outcome}`)).toEqual([
      'zfs.pve.tank created',
      'storage.tank created',
    ]);
    const posts = fx.mutatingRequests();
    const at = (suffix: string) => posts.findIndex((p) => p.endsWith(suffix));
    expect(at('/nodes/pve/disks/zfs')).toBeGreaterThanOrEqual(0);
    expect(at('/nodes/pve/disks/zfs')).toBeLessThan(at('/storage'));
    const pools = await fx.client.request<{ name: string }[]>('GET', '/nodes/pve/disks/zfs');
    expect(pools.map((p) => p.name)).toEqual(['tank']);
    const unused = await fx.client.request<{ devpath: string }[]>('GET', '/nodes/pve/disks/list', { type: 'unused' });
    expect(unused.map((d) => d.devpath)).toEqual(['/dev/sdd']);

    const before = fx.sim.requests.length;
    const second = await fx.plan(config([TANK]));
    expect(mutatingChanges(second)).toEqual([]);
    expect(fx.mutatingRequests(before)).toEqual([]);
  });

  it('refuses a changed raid level or device list with the reason, and never destroys the pool', async () => {
    await fx.apply(await fx.plan(config([TANK])));
    const changed = await fx.plan(config([{ ...TANK, raidlevel: 'raidz', devices: ['sdb', 'sdc', 'sdd'] }]));
    const change = changed.plan.changes.find((c) => c.address === 'zfs.pve.tank');
    expect(change?.action).toBe('replace');
    expect(change?.reasons.join('\n')).toMatch(/raidlevel of an existing ZFS pool cannot change/);
    expect(change?.reasons.join('\n')).toMatch(/never destroys a pool/);
    expect(changed.plan.errored).toBe(true);
    const pools = await fx.client.request<{ name: string }[]>('GET', '/nodes/pve/disks/zfs');
    expect(pools.map((p) => p.name)).toEqual(['tank']);
  });

  it('leaves an undeclared pool alone, prune included', async () => {
    await fx.apply(await fx.plan(config([{ ...TANK, name: 'scratch', devices: ['sdd'], raidlevel: 'single' }])));
    const pruned = await fx.plan(config([]), true);
    expect(mutatingChanges(pruned).filter((c) => c.includes('zfs.'))).toEqual([]);
    expect(pruned.plan.unmanaged.map((u) => u.address)).toContain('zfs.pve.scratch');
  });

  it('reads raid level and devices from the zpool status tree', () => {
    const leaf = (name: string) => ({ name });
    const pool = (children: unknown[]) => [{ name: 'p', children }] as never;
    expect(layoutOf(pool([leaf('sdb')]))).toEqual({ raidlevel: 'single', devices: ['sdb'] });
    expect(layoutOf(pool([{ name: 'mirror-0', children: [leaf('sdc'), leaf('sdb')] }]))).toEqual({
      raidlevel: 'mirror',
      devices: ['sdb', 'sdc'],
    });
    const raid10 = layoutOf(
      pool([
        { name: 'mirror-0', children: [leaf('sda'), leaf('sdb')] },
        { name: 'mirror-1', children: [leaf('sdc'), leaf('sdd')] },
      ]),
    );
    expect(raid10.raidlevel).toBe('raid10');
    expect(layoutOf(pool([{ name: 'raidz1-0', children: [leaf('a'), leaf('b'), leaf('c')] }])).raidlevel).toBe('raidz');
    expect(layoutOf(pool([{ name: 'raidz2-0', children: [leaf('a')] }])).raidlevel).toBe('raidz2');
  });
});
