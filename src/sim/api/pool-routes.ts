/**
 * Pools (spec A.9): CRUD and membership; a guest belongs to at most one pool.
 */
import { accessOf, SimApiError, type SimRoute } from '../contract.ts';
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

/** `PUT /pools` and `PUT /pools/{poolid}`; errors wrapped like `lock_user_config` does. */
function update(ctx: SimContext, p: Record<string, unknown>, poolid: string): null {
  const fail = (msg: string): SimApiError => new SimApiError(500, `update pools failed: ${msg}`);
  const pool = ctx.pools.get(poolid);
  if (!pool) throw fail(`pool '${poolid}' does not exist`);
  if (typeof p.comment === 'string') pool.comment = p.comment;
  const vms = String(p.vms ?? '')
    .split(/[,;\s]+/)
    .filter(Boolean)
    .map(Number);
  const storage = String(p.storage ?? '')
    .split(/[,;\s]+/)
    .filter(Boolean);
  for (const vmid of vms) {
    if (p.delete === 1) {
      if (!pool.vms.includes(vmid)) throw fail(`VM ${vmid} is not a pool member`);
      pool.vms = pool.vms.filter((v) => v !== vmid);
      continue;
    }
    if (pool.vms.includes(vmid)) throw fail(`VM ${vmid} is already a pool member`);
    const other = [...ctx.pools.values()].find((x) => x !== pool && x.vms.includes(vmid));
    if (other && p['allow-move'] !== 1) throw fail(`VM ${vmid} belongs already to pool '${other.poolid}'`);
    if (other) other.vms = other.vms.filter((v) => v !== vmid);
    pool.vms.push(vmid);
  }
  for (const s of storage) {
    if (p.delete === 1) {
      if (!pool.storage.includes(s)) throw fail(`Storage '${s}' is not a pool member`);
      pool.storage = pool.storage.filter((x) => x !== s);
    } else {
      if (pool.storage.includes(s)) throw fail(`Storage '${s}' is already a pool member`);
      pool.storage.push(s);
    }
  }
  return null;
}

/** `delete pool failed: pool 'x' is not empty (contains VM n)` (pve-manager API2/Pool.pm). */
function remove(ctx: SimContext, poolid: string): null {
  const pool = ctx.pools.get(poolid);
  if (!pool) throw new SimApiError(500, `delete pool failed: pool '${poolid}' does not exist`);
  const vm = pool.vms.find((id) => ctx.guests.has(id));
  if (vm !== undefined)
    throw new SimApiError(500, `delete pool failed: pool '${poolid}' is not empty (contains VM ${vm})`);
  const st = pool.storage.find((id) => ctx.storage.configs.has(id));
  if (st !== undefined) {
    throw new SimApiError(500, `delete pool failed: pool '${poolid}' is not empty (contains storage '${st}')`);
  }
  ctx.pools.delete(poolid);
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
      // Only pools the caller may audit (spec A.9 permission text).
      return [...ctx.pools.values()]
        .filter((p) => accessOf(req).has(`/pool/${p.poolid}`, ['Pool.Audit']))
        .map((p) => ({ poolid: p.poolid, ...(p.comment ? { comment: p.comment } : {}) }));
    }),
    route('POST', '/pools', (req) => {
      const poolid = String(req.params.poolid);
      if (ctx.pools.has(poolid)) throw new SimApiError(500, `create pool failed: pool '${poolid}' already exists`);
      ctx.pools.set(poolid, { poolid, comment: req.params.comment as string | undefined, vms: [], storage: [] });
      return null;
    }),
    route('PUT', '/pools', (req) => update(ctx, req.params, String(req.params.poolid))),
    route('DELETE', '/pools', (req) => remove(ctx, String(req.params.poolid))),
    route('GET', '/pools/{poolid}', (req) => {
      const pool = get(String(req.params.poolid));
      return { comment: pool.comment, members: members(ctx, pool) };
    }),
    route('PUT', '/pools/{poolid}', (req) => update(ctx, req.params, String(req.params.poolid))),
    route('DELETE', '/pools/{poolid}', (req) => remove(ctx, String(req.params.poolid))),
  ];
}
