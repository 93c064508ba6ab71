/**
 * The lease on the Proxmox target (a cluster firewall alias with PVE's create-if-absent and
 * digest-checked update/delete), against the simulator over HTTP: exactly one of many racing
 * contenders wins, the holder is named, an expired lease is taken over by exactly one, a
 * released lease is gone, a lost lease is noticed, a foreign alias of that name is refused.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProxmoxClient, type ProxmoxClient } from '../../clients/proxmox/index.ts';
import { startTestSimulator, type TestSimulator } from '../../sim/testing.ts';
import {
  LEASE_ALIAS,
  parseLeaseComment,
  readTargetLease,
  TargetLeaseHeldError,
  targetLeaseManager,
  type TargetLeaseOptions,
} from './target-lease.ts';

let sim: TestSimulator;
const clients: ProxmoxClient[] = [];

beforeEach(async () => {
  sim = await startTestSimulator();
});
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  await sim.stop();
});

function client(): ProxmoxClient {
  const c = createProxmoxClient({
    endpoint: sim.url,
    tokenId: sim.tokenId,
    tokenSecret: sim.token.slice(sim.token.lastIndexOf('=') + 1),
  });
  clients.push(c);
  return c;
}

function manager(holder: string, extra: Partial<TargetLeaseOptions> = {}) {
  return targetLeaseManager({ client: client(), endpoint: sim.url, environment: `env-${holder}`, holder, ...extra });
}

describe('target lease (firewall alias phoenix-lease)', () => {
  it('exactly one of several racing contenders takes it; the others are told who holds it', async () => {
    const results = await Promise.allSettled(
      ['a', 'b', 'c', 'd', 'e'].map((h) => manager(h, { hostname: 'elsewhere', pid: 1 }).acquire()),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(4);
    const winner = (won[0] as PromiseFulfilledResult<{ info: { holder: string } }>).value.info.holder;
    for (const r of lost) {
      const error = (r as PromiseRejectedResult).reason as TargetLeaseHeldError;
      expect(error).toBeInstanceOf(TargetLeaseHeldError);
      expect(error.message).toContain(`locked by ${winner}`);
      expect(error.detail).toMatch(/expires \d{4}-/);
    }
    const seen = await readTargetLease(client());
    expect(seen?.info?.holder).toBe(winner);
    expect(seen?.comment).toMatch(
      /^phoenix lease: holder=\S+ env=env-\w host=elsewhere pid=1 nonce=\S+ since=\S+ renewed=\S+ expires=\S+$/,
    );
  });

  it('renew pushes the expiry (visible in the comment); release deletes the alias', async () => {
    let t = Date.parse('2026-12-03T10:00:00Z');
    const lease = await manager('a', { now: () => t, ttlMs: 60_000 }).acquire();
    t += 30_000;
    await lease.renew();
    const seen = parseLeaseComment((await readTargetLease(client()))?.comment);
    expect(new Date(seen?.renewed ?? 0).toISOString()).toBe('2026-12-03T10:00:30.000Z');
    expect(new Date(seen?.expires ?? 0).toISOString()).toBe('2026-12-03T10:01:30.000Z');
    await lease.release();
    expect((await readTargetLease(client()))?.info).toBeUndefined();
    const aliases = (await sim.api('GET', '/cluster/firewall/aliases')).body?.data as { name: string }[];
    expect(aliases.map((a) => a.name)).not.toContain(LEASE_ALIAS);
  });

  it('an expired lease is taken over by exactly one contender; the old holder learns it lost', async () => {
    let t = Date.parse('2026-12-03T10:00:00Z');
    const old = await manager('old', { now: () => t, ttlMs: 10_000, hostname: 'elsewhere', pid: 1 }).acquire();
    t += 11_000;
    const results = await Promise.allSettled(
      ['x', 'y', 'z'].map((h) => manager(h, { now: () => t, hostname: 'elsewhere', pid: 2 }).acquire()),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    await expect(old.renew()).rejects.toMatchObject({ code: 'E_TARGET_LEASE_LOST' });
    // Releasing a lost lease never deletes the new holder's alias.
    await old.release();
    expect((await readTargetLease(client()))?.info?.holder).toMatch(/^[xyz]$/);
  });

  it('a lease whose holder process on this host is gone is taken over at once', async () => {
    const host = 'this-host';
    await manager('dead', { hostname: host, pid: 999_999, isAlive: () => true }).acquire();
    const next = await manager('next', { hostname: host, isAlive: (pid) => pid !== 999_999 }).acquire();
    expect(next.info.holder).toBe('next');
  });

  it('the lease survives changes to other aliases (the digest covers the list: writes re-read and retry)', async () => {
    const lease = await manager('a').acquire();
    await sim.api('POST', '/cluster/firewall/aliases', { name: 'lan', cidr: '192.168.1.0/24' });
    await lease.renew();
    await lease.release();
    const aliases = (await sim.api('GET', '/cluster/firewall/aliases')).body?.data as { name: string }[];
    expect(aliases.map((a) => a.name)).toEqual(['lan']);
  });

  it('refuses to treat a foreign alias of that name as a lease, and never changes it', async () => {
    await sim.api('POST', '/cluster/firewall/aliases', { name: LEASE_ALIAS, cidr: '10.0.0.1', comment: 'mine' });
    await expect(manager('a').acquire()).rejects.toMatchObject({ code: 'E_TARGET_LEASE_FOREIGN' });
    await expect(manager('a').check()).rejects.toMatchObject({ code: 'E_TARGET_LEASE_FOREIGN' });
    const aliases = (await sim.api('GET', '/cluster/firewall/aliases')).body?.data as { comment?: string }[];
    expect(aliases.map((a) => a.comment)).toEqual(['mine']);
  });

  it('check() reads only: it names a live holder and writes nothing', async () => {
    await manager('a', { hostname: 'elsewhere', pid: 1 }).acquire();
    const mark = sim.requests.length;
    await expect(manager('b').check()).rejects.toBeInstanceOf(TargetLeaseHeldError);
    expect(sim.requests.slice(mark).filter((r) => r.method !== 'GET')).toEqual([]);
  });
});
