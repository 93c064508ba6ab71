/**
 * `pve.token`: an API token of a user (address `token.<userid>!<name>`). Owned = comment starts
 * with `phoenix`. The secret PVE returns on creation goes only to the configured secret sink.
 * A token whose secret is not stored (file lost) cannot be recovered: an owned one is replaced
 * (deleted and created again, which rotates the secret); an unowned one is reported.
 */
import type { ProxmoxClient } from '../../clients/proxmox/index.ts';
import { apiPath } from '../../clients/proxmox/index.ts';
import type { ResourceHandler } from '../../engine/handler.ts';
import { attributeChanges, verdict } from './diff.ts';
import { listHandler } from './list-handler.ts';
import { isOwned, markComment } from './marker.ts';
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
}): ResourceHandler<TokenDesired, TokenObserved> {
  const { client, sink } = deps;
  const create = async (d: TokenDesired): Promise<void> => {
    sink.assertWritable(d.secret);
    const created = await client.access.createToken(d.user, d.name, {
      comment: markComment(d.comment),
      privsep: d.privsep ? 1 : 0,
    });
    await sink.store(d.secret, created.value);
  };
  return listHandler<TokenDesired, TokenObserved>({
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
              owned: isOwned(t.comment),
              ...(ref ? { secretStored: sink.has(ref) } : {}),
            },
            owned: isOwned(t.comment),
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
      const changes = attributeChanges({ comment: markComment(d.comment), privsep: d.privsep }, observed);
      if (observed.secretStored === false) {
        if (!observed.owned)
          return {
            ...verdict(true, changes),
            diagnostics: [
              {
                severity: 'error',
                code: 'E_TOKEN_SECRET_UNKNOWN',
                message: `${resource.address} exists but its secret is not stored at ${d.secret}, and Phoenix does not own it`,
                hint: 'store the secret at that reference, or delete the token so Phoenix creates a new one',
              },
            ],
          };
        return {
          action: 'update',
          changes: [{ path: 'secret', before: null, after: null, sensitive: true }, ...changes],
          requiresReplace: [],
          requiresRestart: false,
          reasons: [`the secret is not stored at ${d.secret}: the token is re-created (new secret, same ACL entries)`],
        };
      }
      return verdict(true, changes);
    },
    create: (_ctx, r) => create(r.desired),
    async update(_ctx, r, observed) {
      const d = r.desired;
      if (observed.secretStored === false && observed.owned) {
        // Deleting a token drops its ACL entries: keep them and grant them again.
        const fullid = `${d.user}!${d.name}`;
        const grants = (await client.access.acl()).filter((e) => e.type === 'token' && e.ugid === fullid);
        sink.assertWritable(d.secret);
        await client.access.deleteToken(d.user, d.name);
        await create(d);
        for (const g of grants)
          await client.access.updateAcl({ path: g.path, roles: g.roleid, tokens: fullid, propagate: g.propagate });
        return;
      }
      await client.request('PUT', apiPath`/access/users/${d.user}/token/${d.name}`, {
        comment: markComment(d.comment),
        privsep: d.privsep ? 1 : 0,
      });
    },
    remove: (_ctx, _address, o) => client.access.deleteToken(o.user, o.name).then(() => undefined),
  });
}
