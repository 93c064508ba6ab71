/**
 * The pve-host provider: the Proxmox host itself through the API — bridges, ZFS pools, storages, pools,
 * roles, users, API tokens, ACLs and the datacenter/node firewall. See readme.md.
 */
import type { ProxmoxClient } from '../../clients/proxmox/index.ts';
import type { AnyResourceHandler } from '../../engine/handler.ts';
import { createAclHandler } from './acl.ts';
import { createBridgeHandler } from './bridge.ts';
import { createAliasHandler, createGroupHandler, createIpsetHandler } from './firewall-objects.ts';
import { createFirewallHandler } from './firewall.ts';
import { createPoolHandler } from './pool.ts';
import { createRoleHandler } from './role.ts';
import { noSecretSink, type SecretSink } from './secret-sink.ts';
import { createStorageHandler } from './storage.ts';
import { createTokenHandler } from './token.ts';
import { createUserHandler } from './user.ts';
import { createZfsHandler } from './zfs.ts';

export { deriveHostResources } from './derive.ts';
export { fileSecretSink, memorySecretSink, type SecretSink } from './secret-sink.ts';
export { MARKER } from './marker.ts';
export { HOST_API_CALLS, GUEST_API_CALLS, type ApiCall } from './api-calls.ts';

export interface HostProviderDeps {
  client: ProxmoxClient;
  /** Receives API token secrets on creation (never printed); without one, token creation is refused. */
  secretSink?: SecretSink;
  taskTimeoutMs?: number;
}

export function hostHandlers(deps: HostProviderDeps): AnyResourceHandler[] {
  const client = deps.client;
  return [
    createBridgeHandler({ client, taskTimeoutMs: deps.taskTimeoutMs }),
    createZfsHandler({ client, taskTimeoutMs: deps.taskTimeoutMs }),
    createStorageHandler({ client }),
    createPoolHandler({ client }),
    createRoleHandler({ client }),
    createUserHandler({ client }),
    createTokenHandler({ client, sink: deps.secretSink ?? noSecretSink }),
    createAclHandler({ client }),
    createFirewallHandler({ client }),
    createGroupHandler({ client }),
    createIpsetHandler({ client }),
    createAliasHandler({ client }),
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
] as const;
