/**
 * `pve.token`: an API token of a user (address `token.<userid>!<name>`). Owned = comment starts
 * with `phoenix`. The secret PVE returns on creation goes only to the configured secret sink.
 * A token whose secret is not stored (file lost) is reported, never rotated: deleting a token
 * cuts off whoever uses it (Phoenix itself, when it is its own token: issue 8).
 */
import type { ProxmoxClient } from '../../clients/proxmox/index.ts';
import { apiPath } from '../../clients/proxmox/index.ts';
import type { DiffResponse, ResourceHandler } from '../../engine/handler.ts';
import { attributeChanges, verdict } from './diff.ts';
import { listHandler } from './list-handler.ts';
import { guardSelf, type SelfAccess } from './self-access.ts';
import { marker, type Marker } from './marker.ts';
import type { SecretSink } from './secret-sink.ts';
import { userAddress } from './user.ts';

export const TOKEN_KIND = 'pve.token';

export interface TokenDesired {
  user: string;
  name: string;
  comment?: string;
  privsep: boolean;
  /** Secret reference the created secret is stored at. */
  secret: string;
}

export interface TokenObserved {
  user: string;
  name: string;
  comment?: string;
  privsep: boolean;
  owned: boolean;
  /** The configured sink holds the secret (checked at observe time). */
  secretStored?: boolean;
}

export const tokenAddress = (user: string, name: string): string => `token.${user}!${name}`;

export function createTokenHandler(deps: {
  client: ProxmoxClient;
  sink: SecretSink;
  self?: SelfAccess;
  marker?: Marker;
}): ResourceHandler<TokenDesired, TokenObserved> {
  const m = deps.marker ?? marker();
  const { client, sink } = deps;
  const create = async (d: TokenDesired): Promise<void> => {
    sink.assertWritable(d.secret);
    const created = await client.access.createToken(d.user, d.name, {
      comment: m.mark(d.comment),
      privsep: d.privsep ? 1 : 0,
    });
    await sink.store(d.secret, created.value);
  };
  return listHandler<TokenDesired, TokenObserved>(
    guardSelf<TokenDesired, TokenObserved>(
      {
        kind: TOKEN_KIND,
        async list(_ctx, desired) {
          const refs = new Map(desired.map((r) => [r.address, r.desired.secret]));
          const out = [];
          for (const u of await client.access.users()) {
            for (const t of u.tokens ?? []) {
              const address = tokenAddress(u.userid, t.tokenid);
              const ref = refs.get(address);
              out.push({
                address,
                observed: {
                  user: u.userid,
                  name: t.tokenid,
                  ...(t.comment ? { comment: t.comment } : {}),
                  privsep: Number(t.privsep ?? 1) === 1,
                  owned: m.owned(t.comment),
                  ...(ref ? { secretStored: sink.has(ref) } : {}),
                },
                owned: m.owned(t.comment),
                foreign: m.foreign(t.comment),
                dependsOn: [userAddress(u.userid)],
                summary: `API token ${u.userid}!${t.tokenid}`,
              });
            }
          }
          return out;
        },
        diff({ resource, observed }) {
          const d = resource.desired;
          if (!observed) return verdict(false, []);
          const changes = attributeChanges({ comment: m.mark(d.comment), privsep: d.privsep }, observed);
          // The secret is not an attribute: PVE never shows it again, so there is nothing to compare,
          // and replacing a token to get a new one would cut off whoever uses it. A lost secret is reported.
          const lost: DiffResponse['diagnostics'] =
            observed.secretStored === false
              ? [
                  {
                    severity: observed.owned ? 'warning' : 'error',
                    code: observed.owned ? 'W_TOKEN_SECRET_LOST' : 'E_TOKEN_SECRET_UNKNOWN',
                    message: `${resource.address} exists but its secret is not stored at ${d.secret}${observed.owned ? '' : ', and Phoenix does not own it'}`,
                    hint: 'store the secret at that reference, or delete the token yourself so Phoenix creates a new one (Phoenix never rotates a token on its own)',
                  },
                ]
              : [];
          return verdict(true, changes, lost.length > 0 ? { diagnostics: lost } : {});
        },
        create: (_ctx, r) => create(r.desired),
        async update(_ctx, r) {
          const d = r.desired;
          await client.request('PUT', apiPath`/access/users/${d.user}/token/${d.name}`, {
            comment: m.mark(d.comment),
            privsep: d.privsep ? 1 : 0,
          });
        },
        remove: (_ctx, _address, o) => client.access.deleteToken(o.user, o.name).then(() => undefined),
      },
      { self: deps.self, isSelf: (self, _address, v) => `${v.user}!${v.name}` === self.tokenId },
    ),
  );
}
