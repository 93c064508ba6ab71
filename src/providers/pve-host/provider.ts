/**
 * The pve-host provider module: the Proxmox host itself through the API (bridges, ZFS pools,
 * storages, pools, roles, users, API tokens, ACLs, datacenter/node firewall). Composes the
 * existing derivation and handlers (index.ts) into the provider contract.
 */
import { defineProvider } from '../provider.ts';
import { deriveHostResources } from './derive.ts';
import { HOST_KINDS, hostHandlers } from './index.ts';
import { fileSecretSink } from './secret-sink.ts';

export const pveHostProvider = defineProvider({
  name: 'pve-host',
  sections: ['network', 'storage', 'host'],
  kinds: HOST_KINDS,
  keptOnDestroy: {
    'pve.storage': 'Phoenix never removes a storage definition (its volumes would be orphaned)',
    'pve.zfs': 'Phoenix never destroys a ZFS pool (its data would be lost)',
    'pve.role': 'Phoenix never removes a role (ACL entries using it would be revoked silently)',
  },
  derive: ({ config }) => ({ resources: deriveHostResources(config) }),
  handlers: (rt) =>
    hostHandlers({
      client: rt.proxmox(),
      // API token secrets PVE shows once go only where the config's `file:` reference says.
      secretSink: fileSecretSink(rt.configDir),
      taskTimeoutMs: rt.taskTimeoutMs,
      ...(rt.self ? { self: rt.self } : {}),
      environment: rt.identity,
    }),
});
