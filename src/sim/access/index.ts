/**
 * @module Access control served by the simulator's HTTP layer: users, groups, roles, ACLs,
 * API tokens, tickets and permission checks (spec §2).
 */
import type { SimRoute } from '../contract.ts';
import { aclRoutes } from './acl-routes.ts';
import type { AccessStore } from './store.ts';
import { ticketRoutes } from './ticket-routes.ts';
import { userRoutes } from './user-routes.ts';

export { AccessStore, defaultAccessStore, type AccessSnapshot, type AclEntry } from './store.ts';
export { authenticate, type AuthResult, type AuthHeaders } from './auth.ts';
export { accessFor, checkEndpointPermissions, checkPrivileges, privilegesOn, isRoot, ROOT } from './permissions.ts';
export { BUILTIN_ROLES, ALL_PRIVILEGES } from './roles.ts';
export { createTicket, createCsrfToken } from './tickets.ts';

/** All `/access/...` handlers; `now` returns epoch seconds. */
export function accessRoutes(store: AccessStore, now: () => number): SimRoute[] {
  return [...ticketRoutes(store, now), ...userRoutes(store), ...aclRoutes(store)];
}
