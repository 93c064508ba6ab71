/**
 * `/access`, `/access/domains`, `/access/ticket`, `/access/password`: login (spec §2.2, A.2).
 * Wrong credentials answer `401 authentication failure` (the HTTP layer adds the delay).
 */
import { SimApiError, type SimRoute } from '../contract.ts';
import { privilegesOn } from './permissions.ts';
import { hashSecret, secretMatches, type AccessStore } from './store.ts';
import { createCsrfToken, createTicket, verifyTicket } from './tickets.ts';

const CAP_PATHS = { vms: '/vms', storage: '/storage', access: '/access', nodes: '/nodes', dc: '/', sdn: '/sdn' };

export function ticketRoutes(store: AccessStore, now: () => number): SimRoute[] {
  const login = (username: string, password: string): string => {
    const user = store.users.get(username);
    const nowS = now();
    const usable = user !== undefined && user.enable === 1 && (user.expire === 0 || user.expire > nowS);
    if (usable && user.passwordHash !== undefined && secretMatches(password, user.passwordHash)) return username;
    if (usable && verifyTicket(store.ticketSecret, password, nowS) === username) return username;
    throw new SimApiError(401, 'authentication failure');
  };
  return [
    {
      method: 'GET',
      route: '/access',
      handler: () =>
        ['ticket', 'users', 'groups', 'roles', 'acl', 'domains', 'permissions', 'password'].map((subdir) => ({
          subdir,
        })),
    },
    {
      method: 'GET',
      route: '/access/domains',
      handler: () => [
        { realm: 'pam', type: 'pam', comment: 'Linux PAM standard authentication' },
        { realm: 'pve', type: 'pve', comment: 'Proxmox VE authentication server' },
      ],
    },
    {
      // The realm's config (domains.cfg); pam and pve are built in, nothing else is simulated.
      method: 'GET',
      route: '/access/domains/{realm}',
      handler: ({ params }) => {
        const realm = String(params['realm']);
        const digest = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4';
        if (realm === 'pam') return { type: 'pam', comment: 'Linux PAM standard authentication', digest };
        if (realm === 'pve') return { type: 'pve', comment: 'Proxmox VE authentication server', digest };
        throw new SimApiError(500, `domain '${realm}' does not exist`);
      },
    },
    { method: 'GET', route: '/access/ticket', handler: () => null },
    {
      method: 'POST',
      route: '/access/ticket',
      handler: ({ params }) => {
        let username = String(params['username']);
        if (params['realm'] !== undefined && !username.includes('@'))
          username = `${username}@${String(params['realm'])}`;
        const userid = login(username, String(params['password']));
        const nowS = now();
        const cap: Record<string, Record<string, number>> = {};
        for (const [key, path] of Object.entries(CAP_PATHS)) {
          cap[key] = Object.fromEntries([...privilegesOn(store, { userid }, path)].map((p) => [p, 1]));
        }
        return {
          username: userid,
          ticket: createTicket(store.ticketSecret, userid, nowS),
          CSRFPreventionToken: createCsrfToken(store.ticketSecret, userid, nowS),
          cap,
        };
      },
    },
    {
      method: 'PUT',
      route: '/access/password',
      handler: ({ params, caller }) => {
        const userid = String(params['userid']);
        if (userid !== caller.userid && caller.userid !== 'root@pam') {
          throw new SimApiError(403, 'Permission check failed');
        }
        const user = store.users.get(userid);
        if (!user) throw new SimApiError(500, `no such user ('${userid}')`);
        user.passwordHash = hashSecret(String(params['password']));
        return null;
      },
    },
  ];
}
