/**
 * `pve.role`: a custom role and its privilege list (address `role.<id>`). Roles have no comment
 * field, so like storages they are Phoenix's while declared and are never removed by Phoenix:
 * dropping a role silently revokes every ACL entry that uses it. Built-in roles cannot be declared.
 */
import type { ProxmoxClient } from '../../clients/proxmox/index.ts';
import type { ResourceHandler } from '../../engine/handler.ts';
import { attributeChanges, verdict } from './diff.ts';
import { listHandler } from './list-handler.ts';
import { guardSelf, type SelfAccess } from './self-access.ts';

export const ROLE_KIND = 'pve.role';

export interface RoleDesired {
  id: string;
  privileges: string[];
}

export interface RoleObserved {
  id: string;
  privileges: string[];
  builtin: boolean;
}

export const roleAddress = (id: string): string => `role.${id}`;

export function createRoleHandler(deps: {
  client: ProxmoxClient;
  self?: SelfAccess;
}): ResourceHandler<RoleDesired, RoleObserved> {
  const { client } = deps;
  return listHandler<RoleDesired, RoleObserved>(
    guardSelf<RoleDesired, RoleObserved>(
      {
        kind: ROLE_KIND,
        async list(_ctx, desired) {
          const declared = new Set(desired.map((r) => r.desired.id));
          // Built-in roles are part of PVE, not anyone's objects: listed only when declared (to refuse).
          const roles = (await client.access.roles()).filter(
            (r) => Number(r.special ?? 0) !== 1 || declared.has(r.roleid),
          );
          return roles.map((r) => ({
            address: roleAddress(r.roleid),
            observed: {
              id: r.roleid,
              privileges: String(r.privs ?? '')
                .split(/[,;\s]+/)
                .filter(Boolean)
                .sort(),
              builtin: Number(r.special ?? 0) === 1,
            },
            owned: false,
            summary: `role ${r.roleid}`,
          }));
        },
        diff({ resource, observed }) {
          const privileges = [...new Set(resource.desired.privileges)].sort();
          if (observed?.builtin)
            return {
              ...verdict(true, []),
              diagnostics: [
                {
                  severity: 'error',
                  code: 'E_BUILTIN_ROLE',
                  message: `role ${observed.id} is a built-in Proxmox role and cannot be changed`,
                  hint: 'declare a custom role with another name',
                },
              ],
            };
          return verdict(observed !== null, observed ? attributeChanges({ privileges }, observed) : []);
        },
        create: (_ctx, r) =>
          client.access.createRole(r.desired.id, [...new Set(r.desired.privileges)].sort()).then(() => undefined),
        update: (_ctx, r) =>
          client.access.updateRole(r.desired.id, [...new Set(r.desired.privileges)].sort()).then(() => undefined),
        remove: () => Promise.reject(new Error('Phoenix never removes a role')),
      },
      {
        self: deps.self,
        isSelf: (self, _address, v) => self.roles.includes(v.id),
        fix: (address) => `pveum role modify ${address.slice('role.'.length)} --privs <the privileges declared>`,
      },
    ),
  );
}
