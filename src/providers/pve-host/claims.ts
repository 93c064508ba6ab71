/**
 * `pve.claims`: which comment-less objects (storages, ZFS pools) an environment declares.
 * They carry no ownership marker of their own, so each environment keeps its claims in one
 * resource pool of its own, `phoenix-env-<id>`, whose comment lists them:
 * `phoenix[<id>] claims: storage.local zfs.pve.tank`. An object another environment has
 * claimed is foreign here: declaring it too is a reported conflict instead of a flip-flop.
 */
import { perPlan } from '../cluster-view.ts';
import type { ProxmoxClient } from '../../clients/proxmox/index.ts';
import type { ResourceHandler } from '../../engine/handler.ts';
import { verdict } from './diff.ts';
import { listHandler } from './list-handler.ts';
import type { Marker } from './marker.ts';

export const CLAIMS_KIND = 'pve.claims';
/** Kinds without a comment field whose objects are claimed. */
export const CLAIMED_KINDS: readonly string[] = ['pve.storage', 'pve.zfs'];

export interface ClaimsDesired {
  environment: string;
  addresses: string[];
}
export type ClaimsObserved = ClaimsDesired;

export const claimsAddress = (environment: string): string => `claims.${environment}`;
export const claimsPoolId = (environment: string): string =>
  `phoenix-env-${environment.replace(/[^A-Za-z0-9_-]/g, '_')}`;
export const isClaimsPool = (poolid: string): boolean => poolid.startsWith('phoenix-env-');

const PATTERN = /^phoenix\[([a-z0-9][a-z0-9_.-]*)\] claims:(.*)$/s;

export function claimsComment(c: ClaimsDesired): string {
  return `phoenix[${c.environment}] claims: ${[...c.addresses].sort().join(' ')}`;
}

export function parseClaims(comment: unknown): ClaimsDesired | undefined {
  const m = typeof comment === 'string' ? PATTERN.exec(comment.trim()) : null;
  if (!m?.[1]) return undefined;
  return { environment: m[1], addresses: (m[2] ?? '').split(/\s+/).filter(Boolean).sort() };
}

/** Address -> the other environment that claims it (one pool read). */
export async function foreignClaims(client: ProxmoxClient, m: Marker, ctx?: object): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (!m.environment) return out;
  for (const p of await perPlan(ctx, 'pools', () => client.access.pools())) {
    if (!isClaimsPool(p.poolid)) continue;
    const c = parseClaims(p.comment);
    if (!c || c.environment === m.environment) continue;
    for (const a of c.addresses) if (!out.has(a)) out.set(a, c.environment);
  }
  return out;
}

export function createClaimsHandler(deps: {
  client: ProxmoxClient;
  marker: Marker;
}): ResourceHandler<ClaimsDesired, ClaimsObserved> {
  const { client, marker: m } = deps;
  return listHandler<ClaimsDesired, ClaimsObserved>({
    kind: CLAIMS_KIND,
    async list(ctx) {
      const out = [];
      for (const p of await perPlan(ctx, 'pools', () => client.access.pools())) {
        const c = isClaimsPool(p.poolid) ? parseClaims(p.comment) : undefined;
        // Only this environment's own claims are its objects; the others' are read by the claimed kinds.
        if (!c || c.environment !== m.environment) continue;
        out.push({ address: claimsAddress(c.environment), observed: c, owned: true, summary: `pool ${p.poolid}` });
      }
      return out;
    },
    diff: ({ resource, observed }) =>
      verdict(
        observed !== null,
        observed && observed.addresses.join(' ') !== [...resource.desired.addresses].sort().join(' ')
          ? [{ path: 'addresses', before: observed.addresses, after: [...resource.desired.addresses].sort() }]
          : [],
      ),
    create: (_ctx, r) =>
      client.access.createPool(claimsPoolId(r.desired.environment), claimsComment(r.desired)).then(() => undefined),
    update: (_ctx, r) =>
      client.access
        .updatePool(claimsPoolId(r.desired.environment), { comment: claimsComment(r.desired) })
        .then(() => undefined),
    remove: (_ctx, _address, o) => client.access.deletePool(claimsPoolId(o.environment)).then(() => undefined),
  });
}
