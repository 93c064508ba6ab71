/** Roles, ACLs and effective permissions (spec §2.1, A.2). */
import { SimApiError, type SimCaller, type SimRoute } from '../contract.ts';
import { splitList } from '../schema/formats.ts';
import { isRoot, privilegesOn } from './permissions.ts';
import { BUILTIN_ROLES, isPrivilege } from './roles.ts';
import type { AccessStore, AclEntry } from './store.ts';

function privList(text: unknown): string[] {
  const privs = splitList(String(text ?? ''));
  for (const priv of privs) {
    if (!isPrivilege(priv))
      throw new SimApiError(400, 'Parameter verification failed.', { privs: `invalid privilege name '${priv}'` });
  }
  return privs;
}

function normalizePath(path: string): string {
  const clean = `/${path
    .split('/')
    .filter((p) => p !== '')
    .join('/')}`;
  return clean;
}

export function aclRoutes(store: AccessStore): SimRoute[] {
  const role = (roleid: string): readonly string[] => {
    const privs = store.rolePrivileges(roleid);
    if (!privs) throw new SimApiError(500, `role '${roleid}' does not exist`);
    return privs;
  };
  return [
    {
      method: 'GET',
      route: '/access/roles',
      handler: () => [
        ...Object.entries(BUILTIN_ROLES).map(([roleid, privs]) => ({ roleid, privs: privs.join(','), special: 1 })),
        ...[...store.customRoles.entries()].map(([roleid, privs]) => ({ roleid, privs: privs.join(','), special: 0 })),
      ],
    },
    {
      method: 'GET',
      route: '/access/roles/{roleid}',
      handler: ({ params }) => Object.fromEntries(role(String(params['roleid'])).map((p) => [p, 1])),
    },
    {
      method: 'POST',
      route: '/access/roles',
      handler: ({ params }) => {
        const roleid = String(params['roleid']);
        if (store.rolePrivileges(roleid)) throw new SimApiError(500, `role '${roleid}' already exists`);
        store.customRoles.set(roleid, privList(params['privs']));
        return null;
      },
    },
    {
      method: 'PUT',
      route: '/access/roles/{roleid}',
      handler: ({ params }) => {
        const roleid = String(params['roleid']);
        if (BUILTIN_ROLES[roleid]) throw new SimApiError(500, `cannot modify built-in role '${roleid}'`);
        const current = store.customRoles.get(roleid);
        if (!current) throw new SimApiError(500, `role '${roleid}' does not exist`);
        const privs = privList(params['privs']);
        store.customRoles.set(roleid, params['append'] === 1 ? [...new Set([...current, ...privs])] : privs);
        return null;
      },
    },
    {
      method: 'DELETE',
      route: '/access/roles/{roleid}',
      handler: ({ params }) => {
        const roleid = String(params['roleid']);
        if (BUILTIN_ROLES[roleid]) throw new SimApiError(500, `cannot delete built-in role '${roleid}'`);
        if (!store.customRoles.delete(roleid)) throw new SimApiError(500, `role '${roleid}' does not exist`);
        store.acl = store.acl.filter((e) => e.roleid !== roleid);
        return null;
      },
    },
    {
      method: 'GET',
      route: '/access/acl',
      handler: ({ caller }) =>
        store.acl
          .filter((e) => isRoot(caller) || privilegesOn(store, caller, e.path).has('Permissions.Modify'))
          .map((e) => ({ path: e.path, type: e.type, ugid: e.ugid, roleid: e.roleid, propagate: e.propagate })),
    },
    {
      method: 'PUT',
      route: '/access/acl',
      handler: ({ params }) => {
        const path = normalizePath(String(params['path']));
        const roles = splitList(String(params['roles']));
        for (const roleid of roles) role(roleid);
        const targets: Array<Pick<AclEntry, 'type' | 'ugid'>> = [];
        for (const ugid of splitList(String(params['users'] ?? ''))) {
          if (!store.users.has(ugid)) throw new SimApiError(500, `user '${ugid}' does not exist`);
          targets.push({ type: 'user', ugid });
        }
        for (const ugid of splitList(String(params['groups'] ?? ''))) {
          if (!store.groups.has(ugid)) throw new SimApiError(500, `group '${ugid}' does not exist`);
          targets.push({ type: 'group', ugid });
        }
        for (const ugid of splitList(String(params['tokens'] ?? ''))) {
          if (!store.tokens.has(ugid)) throw new SimApiError(500, `no such token '${ugid}'`);
          targets.push({ type: 'token', ugid });
        }
        if (targets.length === 0) throw new SimApiError(500, 'either users, groups or tokens is required');
        for (const target of targets) {
          for (const roleid of roles) {
            if (params['delete'] === 1) store.revoke({ path, roleid, ...target });
            else store.grant({ path, roleid, propagate: params['propagate'] === 0 ? 0 : 1, ...target });
          }
        }
        return null;
      },
    },
    {
      method: 'GET',
      route: '/access/permissions',
      handler: ({ params, caller }) => {
        let subject: SimCaller = caller;
        if (params['userid'] !== undefined) {
          const [userid, tokenid] = String(params['userid']).split('!') as [string, string | undefined];
          const own = userid === caller.userid && (caller.tokenid === undefined || caller.tokenid === tokenid);
          if (!own && !isRoot(caller) && !privilegesOn(store, caller, '/access').has('Sys.Audit')) {
            throw new SimApiError(403, 'Permission check failed');
          }
          subject = tokenid === undefined ? { userid } : { userid, tokenid };
        }
        const paths =
          params['path'] !== undefined
            ? [normalizePath(String(params['path']))]
            : [...new Set(['/', ...store.acl.map((e) => e.path)])];
        const result: Record<string, Record<string, number>> = {};
        for (const path of paths) {
          const privs = privilegesOn(store, subject, path);
          if (privs.size > 0 || params['path'] !== undefined) {
            result[path] = Object.fromEntries([...privs].sort().map((p) => [p, 1]));
          }
        }
        return result;
      },
    },
  ];
}
