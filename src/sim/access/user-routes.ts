/** Users, groups and API tokens (spec §2.1, A.2). */
import { SimApiError, type SimCaller, type SimRoute } from '../contract.ts';
import { splitList } from '../schema/formats.ts';
import { isRoot, privilegesOn } from './permissions.ts';
import type { AccessStore, TokenRecord, UserRecord } from './store.ts';

function noSuchUser(userid: string): SimApiError {
  return new SimApiError(500, `no such user ('${userid}')`);
}

function userView(user: UserRecord, store: AccessStore, full: boolean): Record<string, unknown> {
  const view: Record<string, unknown> = {
    userid: user.userid,
    enable: user.enable,
    expire: user.expire,
    'realm-type': user.userid.slice(user.userid.lastIndexOf('@') + 1),
  };
  for (const key of ['comment', 'email', 'firstname', 'lastname'] as const) {
    if (user[key] !== undefined) view[key] = user[key];
  }
  if (user.groups.length > 0) view['groups'] = user.groups.join(',');
  if (full) view['tokens'] = tokensOf(store, user.userid).map(tokenView);
  return view;
}

function tokensOf(store: AccessStore, userid: string): TokenRecord[] {
  return [...store.tokens.values()].filter((t) => t.fullid.startsWith(`${userid}!`));
}

function tokenView(token: TokenRecord): Record<string, unknown> {
  const view: Record<string, unknown> = {
    tokenid: token.fullid.slice(token.fullid.indexOf('!') + 1),
    privsep: token.privsep,
    expire: token.expire,
  };
  if (token.comment !== undefined) view['comment'] = token.comment;
  return view;
}

function canAudit(store: AccessStore, caller: SimCaller): boolean {
  const privs = privilegesOn(store, caller, '/access/groups');
  return isRoot(caller) || privs.has('User.Modify') || privs.has('Sys.Audit');
}

function applyUserFields(user: UserRecord, params: Record<string, unknown>, append: boolean): void {
  for (const key of ['comment', 'email', 'firstname', 'lastname'] as const) {
    if (params[key] !== undefined) user[key] = String(params[key]);
  }
  if (params['enable'] !== undefined) user.enable = params['enable'] === 1 ? 1 : 0;
  if (params['expire'] !== undefined) user.expire = Number(params['expire']);
  if (params['groups'] !== undefined) {
    const groups = splitList(String(params['groups']));
    user.groups = append ? [...new Set([...user.groups, ...groups])] : groups;
  }
}

export function userRoutes(store: AccessStore): SimRoute[] {
  const getUser = (userid: unknown): UserRecord => {
    const user = store.users.get(String(userid));
    if (!user) throw noSuchUser(String(userid));
    return user;
  };
  /** `<userid>!<tokenid>`; an unknown user is the user's error, as in PVE. */
  const tokenIdOf = (params: Record<string, unknown>): string =>
    `${getUser(params['userid']).userid}!${String(params['tokenid'])}`;
  const noSuchToken = (params: Record<string, unknown>): SimApiError =>
    new SimApiError(500, `no such token '${String(params['tokenid'])}' for user '${String(params['userid'])}'`);
  const getToken = (params: Record<string, unknown>): TokenRecord => {
    const token = store.tokens.get(tokenIdOf(params));
    if (!token) throw noSuchToken(params);
    return token;
  };
  const checkGroups = (params: Record<string, unknown>): void => {
    for (const group of splitList(String(params['groups'] ?? ''))) {
      if (!store.groups.has(group)) throw new SimApiError(500, `no such group '${group}'`);
    }
  };
  return [
    {
      method: 'GET',
      route: '/access/users',
      handler: ({ params, caller }) => {
        const audit = canAudit(store, caller);
        return [...store.users.values()]
          .filter((u) => audit || u.userid === caller.userid)
          .filter((u) => params['enabled'] === undefined || u.enable === params['enabled'])
          .map((u) => userView(u, store, params['full'] === 1));
      },
    },
    {
      method: 'POST',
      route: '/access/users',
      handler: ({ params }) => {
        const userid = String(params['userid']);
        if (store.users.has(userid)) throw new SimApiError(500, `create user failed: user '${userid}' already exists`);
        checkGroups(params);
        const password = params['password'] === undefined ? undefined : String(params['password']);
        const user = store.addUser(userid, { password });
        applyUserFields(user, params, false);
        return null;
      },
    },
    {
      method: 'GET',
      route: '/access/users/{userid}',
      handler: ({ params }) => {
        const {
          userid: _id,
          'realm-type': _realm,
          tokens: _tokens,
          ...rest
        } = userView(getUser(params['userid']), store, false);
        const user = getUser(params['userid']);
        const tokens = Object.fromEntries(
          tokensOf(store, user.userid).map((t) => {
            const { tokenid, ...info } = tokenView(t);
            return [String(tokenid), info];
          }),
        );
        return { ...rest, groups: user.groups, tokens };
      },
    },
    {
      method: 'PUT',
      route: '/access/users/{userid}',
      handler: ({ params }) => {
        checkGroups(params);
        applyUserFields(getUser(params['userid']), params, params['append'] === 1);
        return null;
      },
    },
    {
      method: 'DELETE',
      route: '/access/users/{userid}',
      handler: ({ params }) => {
        const user = getUser(params['userid']);
        store.users.delete(user.userid);
        for (const token of tokensOf(store, user.userid)) store.tokens.delete(token.fullid);
        store.acl = store.acl.filter((e) => e.ugid !== user.userid && !e.ugid.startsWith(`${user.userid}!`));
        return null;
      },
    },
    {
      method: 'GET',
      route: '/access/users/{userid}/token',
      handler: ({ params }) => tokensOf(store, getUser(params['userid']).userid).map(tokenView),
    },
    {
      method: 'GET',
      route: '/access/users/{userid}/token/{tokenid}',
      handler: ({ params }) => {
        const token = getToken(params);
        const { tokenid: _t, ...info } = tokenView(token);
        return info;
      },
    },
    {
      method: 'POST',
      route: '/access/users/{userid}/token/{tokenid}',
      handler: ({ params }) => {
        const user = getUser(params['userid']);
        const fullid = `${user.userid}!${String(params['tokenid'])}`;
        if (store.tokens.has(fullid)) throw new SimApiError(500, 'Token already exists.');
        const value = store.addToken(user.userid, String(params['tokenid']), {
          privsep: params['privsep'] === 0 ? 0 : 1,
          expire: params['expire'] === undefined ? undefined : Number(params['expire']),
          comment: params['comment'] === undefined ? undefined : String(params['comment']),
        });
        const { tokenid: _t, ...info } = tokenView(store.tokens.get(fullid) as TokenRecord);
        return { 'full-tokenid': fullid, info, value };
      },
    },
    {
      method: 'PUT',
      route: '/access/users/{userid}/token/{tokenid}',
      handler: ({ params }) => {
        const token = getToken(params);
        if (params['privsep'] !== undefined) token.privsep = params['privsep'] === 1 ? 1 : 0;
        if (params['expire'] !== undefined) token.expire = Number(params['expire']);
        if (params['comment'] !== undefined) token.comment = String(params['comment']);
        const { tokenid: _t, ...info } = tokenView(token);
        return info;
      },
    },
    {
      method: 'DELETE',
      route: '/access/users/{userid}/token/{tokenid}',
      handler: ({ params }) => {
        const fullid = tokenIdOf(params);
        if (!store.tokens.delete(fullid)) throw noSuchToken(params);
        store.acl = store.acl.filter((e) => !(e.type === 'token' && e.ugid === fullid));
        return null;
      },
    },
    {
      method: 'GET',
      route: '/access/groups',
      handler: () =>
        [...store.groups.entries()].map(([groupid, g]) => ({
          groupid,
          ...g,
          users: [...store.users.values()]
            .filter((u) => u.groups.includes(groupid))
            .map((u) => u.userid)
            .join(','),
        })),
    },
    {
      method: 'POST',
      route: '/access/groups',
      handler: ({ params }) => {
        const groupid = String(params['groupid']);
        if (store.groups.has(groupid))
          throw new SimApiError(500, `create group failed: group '${groupid}' already exists`);
        store.groups.set(groupid, params['comment'] === undefined ? {} : { comment: String(params['comment']) });
        return null;
      },
    },
    {
      // pve-access-control Group.pm `read_group`: comment and member user ids.
      method: 'GET',
      route: '/access/groups/{groupid}',
      handler: ({ params }) => {
        const groupid = String(params['groupid']);
        const group = store.groups.get(groupid);
        if (!group) throw new SimApiError(500, `group '${groupid}' does not exist`);
        const members = [...store.users.values()].filter((u) => u.groups.includes(groupid)).map((u) => u.userid);
        return { ...(group.comment !== undefined ? { comment: group.comment } : {}), members: members.sort() };
      },
    },
    {
      method: 'PUT',
      route: '/access/groups/{groupid}',
      handler: ({ params }) => {
        const groupid = String(params['groupid']);
        const group = store.groups.get(groupid);
        if (!group) throw new SimApiError(500, `group '${groupid}' does not exist`);
        if (params['comment'] !== undefined) group.comment = String(params['comment']);
        return null;
      },
    },
    {
      method: 'DELETE',
      route: '/access/groups/{groupid}',
      handler: ({ params }) => {
        const groupid = String(params['groupid']);
        if (!store.groups.delete(groupid)) throw new SimApiError(500, `group '${groupid}' does not exist`);
        for (const user of store.users.values()) user.groups = user.groups.filter((g) => g !== groupid);
        store.acl = store.acl.filter((e) => !(e.type === 'group' && e.ugid === groupid));
        return null;
      },
    },
  ];
}
