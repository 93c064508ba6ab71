/**
 * `pve.pool`: a resource pool (address `pool.<id>`). Owned = comment starts with `phoenix`;
 * membership is left to the guest provider. PVE deletes only empty pools, and says so.
 */
import { perPlan } from '../cluster-view.ts';
import type { ProxmoxClient } from '../../clients/proxmox/index.ts';
import type { ResourceHandler } from '../../engine/handler.ts';
import { attributeChanges, verdict } from './diff.ts';
import { isClaimsPool } from './claims.ts';
import { listHandler } from './list-handler.ts';
import { marker, type Marker } from './marker.ts';

export const POOL_KIND = 'pve.pool';

export interface PoolDesired {
  id: string;
  comment?: string;
}

export interface PoolObserved {
  id: string;
  comment?: string;
}

export const poolAddress = (id: string): string => `pool.${id}`;

export function createPoolHandler(deps: {
  client: ProxmoxClient;
  marker?: Marker;
}): ResourceHandler<PoolDesired, PoolObserved> {
  const { client } = deps;
  const m = deps.marker ?? marker();
  return listHandler<PoolDesired, PoolObserved>({
    kind: POOL_KIND,
    async list(ctx) {
      // Environments' claims pools (claims.ts) are not pools anyone declares.
      const pools = (await perPlan(ctx, 'pools', () => client.access.pools())).filter((p) => !isClaimsPool(p.poolid));
      return pools.map((p) => ({
        address: poolAddress(p.poolid),
        observed: { id: p.poolid, ...(p.comment ? { comment: p.comment } : {}) },
        owned: m.owned(p.comment),
        foreign: m.foreign(p.comment),
        summary: `pool ${p.poolid}`,
      }));
    },
    diff: ({ resource, observed }) =>
      verdict(
        observed !== null,
        observed ? attributeChanges({ comment: m.mark(resource.desired.comment) }, observed) : [],
      ),
    create: (_ctx, r) => client.access.createPool(r.desired.id, m.mark(r.desired.comment)).then(() => undefined),
    update: (_ctx, r) =>
      client.access.updatePool(r.desired.id, { comment: m.mark(r.desired.comment) }).then(() => undefined),
    remove: (_ctx, _address, o) => client.access.deletePool(o.id).then(() => undefined),
  });
}
