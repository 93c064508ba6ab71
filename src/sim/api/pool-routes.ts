/**
 * Pools (spec A.9): CRUD and membership; a guest belongs to at most one pool.
 */
import { SimApiError, type SimRoute } from '../contract.ts';
import type { Pool, SimContext } from '../state/context.ts';
import { route } from './envelope.ts';

function members(ctx: SimContext, pool: Pool): unknown[] {
  const out: unknown[] = [];
  for (const vmid of pool.vms) {
    const g = ctx.guests.get(vmid);
    if (g)
      out.push({
        id: `${g.type}/${vmid}`,
        type: g.type,
        vmid,
        node: g.node,
        status: g.status,
        name: g.config.name ?? g.config.hostname,
      });
  }
  for (const s of pool.storage)
    for (const node of ctx.nodes.keys()) out.push({ id: `storage/${node}/${s}`, type: 'storage', storage: s, node });
  return out;
}

function update(ctx: SimContext, p: Record<string, unknown>, poolid: string): null {
  const pool = ctx.pools.get(poolid);
  if (!pool) throw new SimApiError(500, `pool '${poolid}' does not exist`);
  if (typeof p.comment === 'string') pool.comment = p.comment;
  const vms = String(p.vms ?? '')
    .split(/[,;\s]+/)
    .filter(Boolean)
    .map(Number);
  const storage = String(p.storage ?? '')
    .split(/[,;\s]+/)
    .filter(Boolean);
  if (p.delete === 1) {
    pool.vms = pool.vms.filter((v) => !vms.includes(v));
    pool.storage = pool.storage.filter((s) => !storage.includes(s));
    return null;
  }
  for (const vmid of vms) {
    if (!ctx.guests.has(vmid)) throw new SimApiError(500, `update pools failed: VM ${vmid} does not exist`);
    const other = [...ctx.pools.values()].find((x) => x !== pool && x.vms.includes(vmid));
    if (other && p['allow-move'] !== 1)
      throw new SimApiError(500, `update pools failed: VM ${vmid} is already a pool member`);
    if (other) other.vms = other.vms.filter((v) => v !== vmid);
    if (!pool.vms.includes(vmid)) pool.vms.push(vmid);
  }
  for (const s of storage) if (!pool.storage.includes(s)) pool.storage.push(s);
  return null;
}

export function poolRoutes(ctx: SimContext): SimRoute[] {
  const get = (poolid: string): Pool => {
    const pool = ctx.pools.get(poolid);
    if (!pool) throw new SimApiError(500, `pool '${poolid}' does not exist`);
    return pool;
  };
  return [
    route('GET', '/pools', (req) => {
      if (typeof req.params.poolid === 'string') {
        const pool = get(req.params.poolid);
        return [{ poolid: pool.poolid, comment: pool.comment, members: members(ctx, pool) }];
      }
      return [...ctx.pools.values()].map((p) => ({ poolid: p.poolid, ...(p.comment ? { comment: p.comment } : {}) }));
    }),
    route('POST', '/pools', (req) => {
      const poolid = String(req.params.poolid);
      if (ctx.pools.has(poolid)) throw new SimApiError(500, `pool '${poolid}' already exists`);
      ctx.pools.set(poolid, { poolid, comment: req.params.comment as string | undefined, vms: [], storage: [] });
      return null;
    }),
    route('PUT', '/pools', (req) => update(ctx, req.params, String(req.params.poolid))),
    route('DELETE', '/pools', (req) => {
      const pool = get(String(req.params.poolid));
      if (pool.vms.length > 0 || pool.storage.length > 0) throw new SimApiError(500, 'pool is not empty');
      ctx.pools.delete(pool.poolid);
      return null;
    }),
    route('GET', '/pools/{poolid}', (req) => {
      const pool = get(String(req.params.poolid));
      return { comment: pool.comment, members: members(ctx, pool) };
    }),
    route('PUT', '/pools/{poolid}', (req) => update(ctx, req.params, String(req.params.poolid))),
    route('DELETE', '/pools/{poolid}', (req) => {
      const pool = get(String(req.params.poolid));
      if (pool.vms.length > 0 || pool.storage.length > 0) throw new SimApiError(500, 'pool is not empty');
      ctx.pools.delete(pool.poolid);
      return null;
    }),
  ];
}
