/**
 * Config → Swarm resources: `swarm.cluster` over the guests with roles `swarm-manager` /
 * `swarm-worker` (advertise address = the first static address of the guest), and one
 * `swarm.network` per `platform.swarm.networks` entry.
 */
import type { Resource } from '../../engine/handler.ts';
import type { PhoenixConfig } from '../../config/schema.ts';
import { guestRoles } from '../../config/schema-guest.ts';
import { ProviderError } from '../../errors.ts';
import { CLUSTER_ADDRESS, CLUSTER_KIND, type SwarmDesired, type SwarmNodeDesired } from './cluster.ts';
import { NETWORK_KIND, networkAddress, type SwarmNetworkDesired } from './network.ts';

export function deriveSwarm(config: Pick<PhoenixConfig, 'guests' | 'platform'>): Resource[] {
  const settings = config.platform.swarm;
  const nodes: SwarmNodeDesired[] = [];
  for (const guest of config.guests) {
    const roles = guestRoles(guest);
    const role = roles.includes('swarm-manager') ? 'manager' : roles.includes('swarm-worker') ? 'worker' : undefined;
    if (!role) continue;
    const ip = guest.net.find((n) => n.ip !== 'dhcp')?.ip;
    if (!ip) {
      throw new ProviderError(`guest ${guest.name}: a Swarm node needs a static address to advertise`, {
        code: 'E_SWARM_CONFIG',
        hint: 'give one of its net interfaces a static ip',
      });
    }
    const node = settings?.nodes[guest.name];
    nodes.push({
      name: guest.name,
      address: ip.split('/')[0]!,
      role,
      labels: node?.labels ?? {},
      availability: node?.availability ?? 'active',
    });
  }
  if (nodes.length === 0) return [];
  const resources: Resource[] = [
    { address: CLUSTER_ADDRESS, kind: CLUSTER_KIND, desired: { nodes } satisfies SwarmDesired, dependsOn: [] },
  ];
  for (const net of settings?.networks ?? []) {
    resources.push({
      address: networkAddress(net.name),
      kind: NETWORK_KIND,
      desired: { name: net.name, attachable: net.attachable, encrypted: net.encrypted } satisfies SwarmNetworkDesired,
      // A network is created in the Swarm, so after it.
      dependsOn: [CLUSTER_ADDRESS],
    });
  }
  return resources;
}
