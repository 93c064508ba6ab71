/**
 * The pve-host provider: the Proxmox host itself through the API — bridges, ZFS pools, storages, pools,
 * roles, users, API tokens, ACLs and the datacenter/node firewall. See readme.md.
 */
import type { ProxmoxClient } from '../../clients/proxmox/index.ts';
import type { AnyResourceHandler } from '../../engine/handler.ts';
import { createAclHandler } from './acl.ts';
import { createClaimsHandler } from './claims.ts';
import { createBridgeHandler } from './bridge.ts';
import { createAliasHandler, createGroupHandler, createIpsetHandler } from './firewall-objects.ts';
import { createFirewallHandler } from './firewall.ts';
import { createPoolHandler } from './pool.ts';
import { createRoleHandler } from './role.ts';
import { noSecretSink, type SecretSink } from './secret-sink.ts';
import type { SelfAccess } from './self-access.ts';
import { marker } from './marker.ts';
import { createStorageHandler } from './storage.ts';
import { createTokenHandler } from './token.ts';
import { createUserHandler } from './user.ts';
import { createZfsHandler } from './zfs.ts';

export { deriveHostResources } from './derive.ts';
export { fileSecretSink, memorySecretSink, type SecretSink } from './secret-sink.ts';
export { MARKER, marker, type Marker } from './marker.ts';
export { HOST_API_CALLS, GUEST_API_CALLS, ACCESS_API_CALLS, type ApiCall } from './api-calls.ts';
export { LEASE_API_CALLS } from './target-lease.ts';
export type { SelfAccess } from './self-access.ts';

export interface HostProviderDeps {
  client: ProxmoxClient;
  /** Receives API token secrets on creation (never printed); without one, token creation is refused. */
  secretSink?: SecretSink;
  taskTimeoutMs?: number;
  /** Phoenix's own token and roles: observed, never changed (self-access.ts). */
  self?: SelfAccess;
  /** This environment's identity, written into every ownership marker (marker.ts). */
  environment?: string;
}

export function hostHandlers(deps: HostProviderDeps): AnyResourceHandler[] {
  const client = deps.client;
  const m = marker(deps.environment);
  return [
    createBridgeHandler({ client, marker: m, taskTimeoutMs: deps.taskTimeoutMs }),
    createZfsHandler({ client, taskTimeoutMs: deps.taskTimeoutMs, marker: m }),
    createStorageHandler({ client, marker: m }),
    createPoolHandler({ client, marker: m }),
    createRoleHandler({ client, self: deps.self }),
    createUserHandler({ client, marker: m, self: deps.self }),
    createTokenHandler({ client, marker: m, sink: deps.secretSink ?? noSecretSink, self: deps.self }),
    createAclHandler({ client, marker: m, self: deps.self }),
    createFirewallHandler({ client, marker: m }),
    createGroupHandler({ client, marker: m }),
    createIpsetHandler({ client, marker: m }),
    createAliasHandler({ client, marker: m }),
    createClaimsHandler({ client, marker: m }),
  ];
}

/** Every kind this provider handles (for discovery of owned objects when pruning). */
export const HOST_KINDS = [
  'pve.bridge',
  'pve.zfs',
  'pve.storage',
  'pve.pool',
  'pve.role',
  'pve.user',
  'pve.token',
  'pve.acl',
  'pve.firewall',
  'pve.fw-group',
  'pve.fw-ipset',
  'pve.fw-alias',
  'pve.claims',
] as const;
