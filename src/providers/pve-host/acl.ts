/**
 * `pve.acl`: one ACL entry, a role granted on a path to a user or an API token (address
 * `acl.<path>.<role>.<user or token>`). ACL entries have no comment: an entry is Phoenix's when
 * it is declared, or when it grants to a user or token Phoenix owns (comment marker), so prune
 * only ever revokes grants of Phoenix's own users and tokens.
 */
import type { ProxmoxClient } from '../../clients/proxmox/index.ts';
import type { ResourceHandler } from '../../engine/handler.ts';
import { attributeChanges, verdict } from './diff.ts';
import { listHandler } from './list-handler.ts';
import { guardSelf, selfUser, type SelfAccess } from './self-access.ts';
import { marker, type Marker } from './marker.ts';
import { userAddress } from './user.ts';

export const ACL_KIND = 'pve.acl';

export interface AclDesired {
  path: string;
  role: string;
  type: 'user' | 'token';
  /** `user@realm` or `user@realm!token`. */
  ugid: string;
  propagate: boolean;
}

export type AclObserved = AclDesired;

export const aclAddress = (path: string, role: string, ugid: string): string => `acl.${path}.${role}.${ugid}`;

function grant(d: AclDesired, remove = false) {
  return {
    path: d.path,
    roles: d.role,
    ...(d.type === 'user' ? { users: d.ugid } : { tokens: d.ugid }),
    propagate: d.propagate ? 1 : 0,
    ...(remove ? { delete: 1 } : {}),
  };
}

export function createAclHandler(deps: {
  client: ProxmoxClient;
  self?: SelfAccess;
  marker?: Marker;
}): ResourceHandler<AclDesired, AclObserved> {
  const m = deps.marker ?? marker();
  const { client } = deps;
  return listHandler<AclDesired, AclObserved>(
    guardSelf<AclDesired, AclObserved>(
      {
        kind: ACL_KIND,
        async list() {
          const owned = new Set<string>();
          for (const u of await client.access.users()) {
            if (m.owned(u.comment)) owned.add(u.userid);
            for (const t of u.tokens ?? []) if (m.owned(t.comment)) owned.add(`${u.userid}!${t.tokenid}`);
          }
          return (await client.access.acl())
            .filter((e) => e.type === 'user' || e.type === 'token')
            .map((e) => ({
              address: aclAddress(e.path, e.roleid, e.ugid),
              observed: {
                path: e.path,
                role: e.roleid,
                type: e.type as 'user' | 'token',
                ugid: e.ugid,
                propagate: Number(e.propagate ?? 1) === 1,
              },
              owned: owned.has(e.ugid),
              dependsOn: [
                userAddress(e.ugid.split('!')[0] ?? e.ugid),
                ...(e.type === 'token' ? [`token.${e.ugid}`] : []),
              ],
              summary: `${e.roleid} on ${e.path} for ${e.ugid}`,
            }));
        },
        diff: ({ resource, observed }) =>
          verdict(
            observed !== null,
            observed ? attributeChanges({ propagate: resource.desired.propagate }, observed) : [],
          ),
        // Granting again with another propagate flag replaces the entry in place.
        create: (_ctx, r) => client.access.updateAcl(grant(r.desired)).then(() => undefined),
        update: (_ctx, r) => client.access.updateAcl(grant(r.desired)).then(() => undefined),
        remove: (_ctx, _address, o) => client.access.updateAcl(grant(o, true)).then(() => undefined),
      },
      {
        self: deps.self,
        isSelf: (self, _address, v) => v.ugid === self.tokenId || v.ugid === selfUser(self),
        fix: (address) => `pveum acl modify <path> --users|--tokens <id> --roles <role> (${address})`,
      },
    ),
  );
}
