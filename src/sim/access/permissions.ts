/**
 * Effective privileges and the schema's permission expressions (pve-access-control
 * `RPCEnvironment.pm` `permissions`, `check_api2_permissions`, spec §2.1):
 * - ACLs are walked from `/` down to the path; at each level a user's own entries replace what
 *   was inherited, else its groups' entries do; entries with `propagate=0` apply only to their
 *   exact path. `NoAccess` yields nothing.
 * - A token with `privsep=1` gets the intersection of its user's privileges and its own ACLs;
 *   with `privsep=0` exactly its user's.
 * - `root@pam` (the literal user, never a token of it) may do everything.
 */
import { SimApiError, type SimAccess, type SimCaller } from '../contract.ts';
import type { AccessStore, AclEntry } from './store.ts';

export const ROOT = 'root@pam';

export function isRoot(caller: SimCaller): boolean {
  return caller.userid === ROOT && caller.tokenid === undefined;
}

function prefixes(path: string): string[] {
  const parts = path.split('/').filter((p) => p !== '');
  const out = ['/'];
  for (let i = 1; i <= parts.length; i += 1) out.push(`/${parts.slice(0, i).join('/')}`);
  return out;
}

function rolesFor(store: AccessStore, path: string, matches: (e: AclEntry) => boolean): Set<string> | undefined {
  let current: Set<string> | undefined;
  const all = prefixes(path);
  all.forEach((level, i) => {
    const exact = i === all.length - 1;
    const here = store.acl.filter((e) => e.path === level && (exact || e.propagate === 1) && matches(e));
    if (here.length > 0) current = new Set(here.map((e) => e.roleid));
  });
  return current;
}

function privilegesOf(store: AccessStore, roles: Set<string> | undefined): Set<string> {
  const privs = new Set<string>();
  if (!roles || roles.has('NoAccess')) return privs;
  for (const role of roles) for (const p of store.rolePrivileges(role) ?? []) privs.add(p);
  return privs;
}

function userPrivileges(store: AccessStore, userid: string, path: string): Set<string> {
  const user = store.users.get(userid);
  if (!user) return new Set();
  // A user's own entries win over its groups' entries at the same level.
  const all = prefixes(path);
  let current: Set<string> | undefined;
  all.forEach((level, i) => {
    const exact = i === all.length - 1;
    const usable = (e: AclEntry): boolean => e.path === level && (exact || e.propagate === 1);
    const own = store.acl.filter((e) => usable(e) && e.type === 'user' && e.ugid === userid);
    const viaGroups = store.acl.filter((e) => usable(e) && e.type === 'group' && user.groups.includes(e.ugid));
    if (own.length > 0) current = new Set(own.map((e) => e.roleid));
    else if (viaGroups.length > 0) current = new Set(viaGroups.map((e) => e.roleid));
  });
  return privilegesOf(store, current);
}

/**
 * The privileges `caller` holds on `path`. A guest or storage that is a pool member also gets
 * what the caller holds on `/pool/<pool>` (pve-access-control `RPCEnvironment::permissions`):
 * PVEVMAdmin on `/pool/p1` manages p1's guests.
 */
export function privilegesOn(store: AccessStore, caller: SimCaller, path: string): Set<string> {
  const own = directPrivileges(store, caller, path);
  const pool = /^\/(vms|storage)\/[^/]+$/.test(path) ? store.poolOf?.(path) : undefined;
  if (pool === undefined) return own;
  for (const p of directPrivileges(store, caller, `/pool/${pool}`)) own.add(p);
  return own;
}

function directPrivileges(store: AccessStore, caller: SimCaller, path: string): Set<string> {
  if (isRoot(caller)) return new Set(store.rolePrivileges('Administrator'));
  const fromUser =
    caller.userid === ROOT
      ? new Set(store.rolePrivileges('Administrator'))
      : userPrivileges(store, caller.userid, path);
  if (caller.tokenid === undefined) return fromUser;
  const fullid = `${caller.userid}!${caller.tokenid}`;
  const token = store.tokens.get(fullid);
  if (!token) return new Set();
  if (!token.privsep) return fromUser;
  const own = privilegesOf(
    store,
    rolesFor(store, path, (e) => e.type === 'token' && e.ugid === fullid),
  );
  return new Set([...fromUser].filter((p) => own.has(p)));
}

export function permissionDenied(detail?: string): SimApiError {
  return new SimApiError(403, detail ? `Permission check failed (${detail})` : 'Permission check failed');
}

/** Throws 403 unless `caller` has all (or, with `any`, one) of `privs` on `path`. */
export function checkPrivileges(
  store: AccessStore,
  caller: SimCaller,
  path: string,
  privs: string[],
  any = false,
): void {
  const held = privilegesOn(store, caller, path);
  if (any) {
    if (!privs.some((p) => held.has(p))) throw permissionDenied(`${path}, ${privs.join('|')}`);
    return;
  }
  const missing = privs.find((p) => !held.has(p));
  if (missing !== undefined) throw permissionDenied(`${path}, ${missing}`);
}

function fillPath(template: string, params: Record<string, unknown>): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => String(params[name] ?? ''));
}

function realmOf(userid: unknown): string {
  const text = String(userid ?? '');
  return text.slice(text.lastIndexOf('@') + 1).split('!')[0] ?? '';
}

/** Evaluates one schema `check` expression; throws the 403 of the first failing branch. */
export function evaluateCheck(
  store: AccessStore,
  caller: SimCaller,
  check: unknown[],
  params: Record<string, unknown>,
): void {
  const [kind, ...args] = check;
  switch (kind) {
    case 'and':
      for (const sub of args) evaluateCheck(store, caller, sub as unknown[], params);
      return;
    case 'or': {
      let firstError: unknown;
      for (const sub of args) {
        try {
          evaluateCheck(store, caller, sub as unknown[], params);
          return;
        } catch (error) {
          firstError ??= error;
        }
      }
      throw firstError ?? permissionDenied();
    }
    case 'perm': {
      const [template, privs, ...rest] = args as [string, string[], ...unknown[]];
      const options: Record<string, unknown> = {};
      for (let i = 0; i + 1 < rest.length; i += 2) options[String(rest[i])] = rest[i + 1];
      const required = options['require_param'];
      if (typeof required === 'string' && (params[required] === undefined || params[required] === '')) {
        throw permissionDenied();
      }
      checkPrivileges(store, caller, fillPath(template, params), privs, Boolean(options['any']));
      return;
    }
    case 'perm-modify': {
      const path = fillPath(String(args[0]), params);
      checkPrivileges(store, caller, path, ['Permissions.Modify']);
      return;
    }
    case 'userid-param': {
      const target = String(params['userid'] ?? '');
      if (args[0] === 'self') {
        // A token acts as `user@realm!id`, which is never the plain user id.
        if (target === caller.userid && caller.tokenid === undefined) return;
        throw permissionDenied();
      }
      checkPrivileges(store, caller, `/access/realm/${realmOf(target)}`, [String(args[0])]);
      return;
    }
    case 'userid-group': {
      const privs = args[0] as string[];
      checkPrivileges(store, caller, '/access/groups', privs, true);
      return;
    }
    default:
      throw permissionDenied();
  }
}

/** The `SimAccess` handlers use for the checks PVE makes in code. */
export function accessFor(store: AccessStore, caller: SimCaller): SimAccess {
  const root = isRoot(caller);
  const has = (path: string, privs: string[], any = false): boolean => {
    if (root) return true;
    const held = privilegesOn(store, caller, path);
    return any ? privs.some((p) => held.has(p)) : privs.every((p) => held.has(p));
  };
  return {
    root,
    has,
    check: (path, privs, any = false) => {
      if (!root) checkPrivileges(store, caller, path, privs, any);
    },
    deny: (detail) => {
      throw permissionDenied(detail);
    },
  };
}

/** The endpoint-level check of `check_api2_permissions`. */
export function checkEndpointPermissions(
  store: AccessStore,
  caller: SimCaller,
  permissions: { check?: unknown[]; user?: string } | undefined,
  params: Record<string, unknown>,
): void {
  if (permissions?.user === 'world') return;
  if (isRoot(caller)) return;
  if (!permissions) throw permissionDenied('user != root@pam');
  if (permissions.user === 'all') return;
  if (permissions.check) {
    evaluateCheck(store, caller, permissions.check, params);
    return;
  }
  throw permissionDenied();
}
