/**
 * `pve.user`: a user without a password (API-token users; address `user.<userid>`). Owned =
 * comment starts with `phoenix`. A declared user that exists without the marker is adopted.
 */
import type { ProxmoxClient } from '../../clients/proxmox/index.ts';
import type { ResourceHandler } from '../../engine/handler.ts';
import { attributeChanges, verdict } from './diff.ts';
import { listHandler } from './list-handler.ts';
import { guardSelf, selfUser, type SelfAccess } from './self-access.ts';
import { marker, type Marker } from './marker.ts';

export const USER_KIND = 'pve.user';

export interface UserDesired {
  id: string;
  comment?: string;
  email?: string;
  enabled: boolean;
}

export interface UserObserved {
  id: string;
  comment?: string;
  email?: string;
  enabled: boolean;
}

export const userAddress = (id: string): string => `user.${id}`;

function fields(d: UserDesired, m: Marker) {
  return { comment: m.mark(d.comment), email: d.email, enable: d.enabled ? 1 : 0 };
}

export function createUserHandler(deps: {
  client: ProxmoxClient;
  self?: SelfAccess;
  marker?: Marker;
}): ResourceHandler<UserDesired, UserObserved> {
  const m = deps.marker ?? marker();
  const { client } = deps;
  return listHandler<UserDesired, UserObserved>(
    guardSelf<UserDesired, UserObserved>(
      {
        kind: USER_KIND,
        async list() {
          return (await client.access.users()).map((u) => ({
            address: userAddress(u.userid),
            observed: {
              id: u.userid,
              ...(u.comment ? { comment: u.comment } : {}),
              ...(u.email ? { email: u.email } : {}),
              enabled: Number(u.enable ?? 1) === 1,
            },
            owned: m.owned(u.comment),
            foreign: m.foreign(u.comment),
            summary: `user ${u.userid}`,
          }));
        },
        diff: ({ resource, observed }) => {
          const d = resource.desired;
          return verdict(
            observed !== null,
            observed
              ? attributeChanges({ comment: m.mark(d.comment), email: d.email, enabled: d.enabled }, observed)
              : [],
          );
        },
        create: (_ctx, r) =>
          client.access.createUser({ userid: r.desired.id, ...fields(r.desired, m) }).then(() => undefined),
        update: (_ctx, r) => client.access.updateUser(r.desired.id, fields(r.desired, m)).then(() => undefined),
        remove: (_ctx, _address, o) => client.access.deleteUser(o.id).then(() => undefined),
      },
      { self: deps.self, isSelf: (self, _address, v) => v.id === selfUser(self) },
    ),
  );
}
