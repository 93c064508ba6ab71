/** Pools and access control: users, roles, ACLs and API tokens. */
import { apiPath } from '../encode.ts';
import { z } from 'zod';
import { AclEntrySchema, PoolSchema, RoleSchema, TokenListSchema, UserSchema, requestParsed } from '../responses.ts';
import type { Params, ProxmoxTransport } from '../types.ts';

export interface Pool {
  poolid: string;
  comment?: string;
  members?: { id: string; type: string; vmid?: number; storage?: string; node?: string }[];
}

export interface User {
  userid: string;
  enable?: number;
  expire?: number;
  email?: string;
  comment?: string;
  groups?: string;
  tokens?: { tokenid: string; comment?: string; expire?: number; privsep?: number }[];
  [key: string]: unknown;
}

export interface Role {
  roleid: string;
  privs?: string;
  special?: number;
}

export interface AclEntry {
  path: string;
  type: 'user' | 'group' | 'token';
  ugid: string;
  roleid: string;
  propagate: number;
}

export interface CreatedToken {
  'full-tokenid': string;
  /** The secret: shown once by PVE. Never log it; store it as a secret reference. */
  value: string;
  info: Record<string, unknown>;
}

export interface AccessApi {
  pools(): Promise<Pool[]>;
  pool(poolid: string): Promise<Pool>;
  createPool(poolid: string, comment?: string): Promise<null>;
  /** Add (or with `delete: true`, remove) `vms`/`storage` members; also sets the comment. */
  updatePool(poolid: string, params: Params): Promise<null>;
  deletePool(poolid: string): Promise<null>;
  users(): Promise<User[]>;
  user(userid: string): Promise<User>;
  createUser(params: Params & { userid: string }): Promise<null>;
  updateUser(userid: string, params: Params): Promise<null>;
  deleteUser(userid: string): Promise<null>;
  roles(): Promise<Role[]>;
  createRole(roleid: string, privs: readonly string[]): Promise<null>;
  updateRole(roleid: string, privs: readonly string[]): Promise<null>;
  deleteRole(roleid: string): Promise<null>;
  acl(): Promise<AclEntry[]>;
  /** Grants (or with `delete: true`, revokes) `roles` on `path` to users/groups/tokens. */
  updateAcl(params: Params & { path: string; roles: string }): Promise<null>;
  tokens(userid: string): Promise<{ tokenid: string; comment?: string; expire?: number; privsep?: number }[]>;
  createToken(userid: string, tokenid: string, params?: Params): Promise<CreatedToken>;
  deleteToken(userid: string, tokenid: string): Promise<null>;
}

export function accessApi(t: ProxmoxTransport): AccessApi {
  const u = (userid: string) => apiPath`/access/users/${userid}`;
  return {
    pools: () => requestParsed(t, z.array(PoolSchema), 'GET', '/pools'),
    pool: (poolid) => requestParsed(t, PoolSchema, 'GET', apiPath`/pools/${poolid}`),
    createPool: (poolid, comment) => t.request('POST', '/pools', { poolid, comment }),
    updatePool: (poolid, params) => t.request('PUT', apiPath`/pools/${poolid}`, params),
    deletePool: (poolid) => t.request('DELETE', apiPath`/pools/${poolid}`),
    users: () => requestParsed(t, z.array(UserSchema), 'GET', '/access/users', { full: true }),
    user: (userid) => t.request('GET', u(userid)),
    createUser: (params) => t.request('POST', '/access/users', params),
    updateUser: (userid, params) => t.request('PUT', u(userid), params),
    deleteUser: (userid) => t.request('DELETE', u(userid)),
    roles: () => requestParsed(t, z.array(RoleSchema), 'GET', '/access/roles'),
    createRole: (roleid, privs) => t.request('POST', '/access/roles', { roleid, privs: privs.join(',') }),
    updateRole: (roleid, privs) => t.request('PUT', apiPath`/access/roles/${roleid}`, { privs: privs.join(',') }),
    deleteRole: (roleid) => t.request('DELETE', apiPath`/access/roles/${roleid}`),
    acl: () => requestParsed(t, z.array(AclEntrySchema), 'GET', '/access/acl'),
    updateAcl: (params) => t.request('PUT', '/access/acl', params),
    tokens: (userid) => requestParsed(t, TokenListSchema, 'GET', `${u(userid)}/token`),
    createToken: (userid, tokenid, params) =>
      t.request('POST', apiPath`/access/users/${userid}/token/${tokenid}`, params),
    deleteToken: (userid, tokenid) => t.request('DELETE', apiPath`/access/users/${userid}/token/${tokenid}`),
  };
}
