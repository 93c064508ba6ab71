/**
 * Config → Swarm resources: one `swarm.engine` per guest with role `swarm-manager` /
 * `swarm-worker` (Docker from the declared package, TLS-only API), the `swarm.cluster` over
 * them (advertise address = the first static address of the guest) after every engine, and
 * one `swarm.network` per `platform.swarm.networks` entry.
 */
import { daemonJson } from '../../clients/docker/daemon-json.ts';
import type { Resource } from '../../engine/handler.ts';
import type { PhoenixConfig } from '../../config/schema.ts';
import { guestRoles } from '../../config/schema-guest.ts';
import { ProviderError } from '../../errors.ts';
import type { TargetRef } from '../node/shell.ts';
import { certificateAddress, PHOENIX_DOCKER_CLIENT_CERT } from '../pki/paths.ts';
import { CLUSTER_ADDRESS, CLUSTER_KIND, type SwarmDesired, type SwarmNodeDesired } from './cluster.ts';
import { ENGINE_KIND, engineAddress, type EngineDesired } from './engine.ts';
import { NETWORK_KIND, networkAddress, type SwarmNetworkDesired } from './network.ts';

/** dockerd's TLS files, as the pki provider places them on a Swarm guest. */
export const DOCKER_TLS = {
  ca: '/etc/docker/tls/ca.pem',
  cert: '/etc/docker/tls/server-cert.pem',
  key: '/etc/docker/tls/server-key.pem',
} as const;

export const DOCKER_TLS_PORT = 2376;

export interface SwarmGuest {
  vmid: number;
  name: string;
  address: string;
  role: 'manager' | 'worker';
  target: TargetRef;
}

/** The guests of the Swarm, in config order. */
export function swarmGuests(config: Pick<PhoenixConfig, 'guests' | 'cluster'>): SwarmGuest[] {
  const out: SwarmGuest[] = [];
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
    const node = guest.node ?? config.cluster.nodes[0]?.name ?? 'pve';
    out.push({
      vmid: guest.id,
      name: guest.name,
      address: ip.split('/')[0]!,
      role,
      target: { kind: guest.type === 'lxc' ? 'lxc' : 'vm', node, vmid: guest.id },
    });
  }
  return out;
}

/** The manager's shell target: where Swarm-wide resources are planned to live. */
export function managerTarget(config: Pick<PhoenixConfig, 'guests' | 'cluster'>): TargetRef | undefined {
  return swarmGuests(config).find((g) => g.role === 'manager')?.target;
}

export function deriveSwarm(
  config: Pick<PhoenixConfig, 'guests' | 'platform' | 'cluster'>,
  options: { engines?: boolean } = {},
): Resource[] {
  const withEngines = options.engines ?? true;
  const settings = config.platform.swarm;
  const guests = swarmGuests(config);
  if (guests.length === 0) return [];
  const engine = settings?.engine;
  let json: string;
  try {
    json = `${JSON.stringify(daemonJson({ tls: DOCKER_TLS, extra: engine?.daemon ?? {} }), null, 2)}\n`;
  } catch (error) {
    // A user's extra setting that would reopen the API (hosts, tls*): their mistake, said plainly.
    throw new ProviderError(`platform.swarm.engine.daemon: ${(error as Error).message}`, {
      code: 'E_SWARM_CONFIG',
      hint: "the listeners and TLS settings of dockerd are always Phoenix's: TCP 2376 with client certificates only",
    });
  }
  const resources: Resource[] = [];
  const nodes: SwarmNodeDesired[] = [];
  for (const g of guests) {
    if (withEngines)
      resources.push({
        address: engineAddress(g.name),
        kind: ENGINE_KIND,
        desired: {
          target: g.target,
          guest: g.name,
          package: engine?.package ?? 'docker.io',
          daemonJson: json,
          keyFile: DOCKER_TLS.key,
        } satisfies EngineDesired,
        // After its guest, its server certificate and Phoenix's client certificate (when the pki
        // provider issues them): the first Docker call on a real host needs both.
        dependsOn: [`guest.${g.vmid}`],
        references: [
          { kind: 'pki.certificate', address: certificateAddress(`docker-${g.name}`) },
          { kind: 'pki.certificate', address: certificateAddress(PHOENIX_DOCKER_CLIENT_CERT) },
        ],
      });
    const node = settings?.nodes[g.name];
    nodes.push({
      name: g.name,
      address: g.address,
      role: g.role,
      labels: node?.labels ?? {},
      availability: node?.availability ?? 'active',
    });
  }
  const target = managerTarget(config);
  resources.push({
    address: CLUSTER_ADDRESS,
    kind: CLUSTER_KIND,
    desired: { nodes, ...(target ? { target } : {}) } satisfies SwarmDesired,
    dependsOn: withEngines ? guests.map((g) => engineAddress(g.name)) : [],
    references: [{ kind: 'pki.certificate', address: certificateAddress(PHOENIX_DOCKER_CLIENT_CERT) }],
  });
  for (const net of settings?.networks ?? []) {
    resources.push({
      address: networkAddress(net.name),
      kind: NETWORK_KIND,
      desired: {
        name: net.name,
        attachable: net.attachable,
        encrypted: net.encrypted,
        ...(target ? { target } : {}),
      } satisfies SwarmNetworkDesired,
      // A network is created in the Swarm, so after it.
      dependsOn: [CLUSTER_ADDRESS],
    });
  }
  return resources;
}
