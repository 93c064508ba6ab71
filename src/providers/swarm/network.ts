/**
 * `swarm.network`: a Swarm-wide overlay network declared in `platform.swarm.networks`
 * (attachable, optionally with encrypted data traffic). Overlay options cannot change in
 * place, so a changed option is a replacement. Only networks carrying Phoenix's label are
 * discovered for prune; others are listed as unmanaged.
 */
import type { ObservedResource, ResourceHandler } from '../../engine/handler.ts';
import type { DockerClient, NetworkObject } from '../../clients/docker/client.ts';
import type { TargetRef } from '../node/shell.ts';
import { CLUSTER_ADDRESS } from './cluster.ts';

export const NETWORK_KIND = 'swarm.network';
const MANAGED = 'phoenix.managed';

export interface SwarmNetworkDesired {
  name: string;
  attachable: boolean;
  encrypted: boolean;
  /** The manager guest (planned as created while that guest does not exist yet). */
  target?: TargetRef;
}

export type SwarmNetworkObserved = Omit<SwarmNetworkDesired, 'target'>;

export function networkAddress(name: string): string {
  return `swarm.network.${name}`;
}

function facts(n: NetworkObject): SwarmNetworkObserved {
  return { name: n.Name, attachable: n.Attachable, encrypted: n.Options?.encrypted !== undefined };
}

export function swarmNetworkHandler(
  manager: () => DockerClient,
): ResourceHandler<SwarmNetworkDesired, SwarmNetworkObserved> {
  return {
    kind: NETWORK_KIND,
    async observe({ resource }) {
      const found = (await manager().listNetworks({ name: [resource.desired.name] })).find(
        (n) => n.Name === resource.desired.name,
      );
      return { observed: found ? facts(found) : null };
    },
    async observeAll() {
      const all = await manager().listNetworks({ driver: ['overlay'] });
      const found: ObservedResource<SwarmNetworkObserved>[] = [];
      const unmanaged = [];
      for (const n of all) {
        if (n.Labels?.[MANAGED] === 'true' && n.Labels['com.docker.stack.namespace'] === undefined) {
          found.push({
            address: networkAddress(n.Name),
            kind: NETWORK_KIND,
            observed: facts(n),
            dependsOn: [CLUSTER_ADDRESS],
          });
        } else if (n.Labels?.['com.docker.stack.namespace'] === undefined && n.Name !== 'ingress') {
          unmanaged.push({ address: networkAddress(n.Name), kind: NETWORK_KIND, summary: `overlay network ${n.Name}` });
        }
      }
      return { found, unmanaged };
    },
    diff({ resource, observed }) {
      const d = resource.desired;
      const base = { requiresRestart: false };
      if (!observed)
        return {
          ...base,
          action: 'create',
          changes: [],
          requiresReplace: [],
          reasons: [`create overlay network ${d.name}`],
        };
      const changes = (['attachable', 'encrypted'] as const)
        .filter((k) => observed[k] !== d[k])
        .map((k) => ({ path: k, before: observed[k], after: d[k], forcesReplacement: true }));
      return {
        ...base,
        action: changes.length === 0 ? 'noop' : 'replace',
        changes,
        requiresReplace: changes.map((c) => c.path),
        reasons: changes.length === 0 ? [] : ['overlay network options cannot change in place'],
      };
    },
    async create({ resource }) {
      const d = resource.desired;
      await manager().createNetwork({
        Name: d.name,
        Driver: 'overlay',
        Attachable: d.attachable,
        CheckDuplicate: true,
        Labels: { [MANAGED]: 'true' },
        ...(d.encrypted ? { Options: { encrypted: '' } } : {}),
      });
      return { observed: { name: d.name, attachable: d.attachable, encrypted: d.encrypted } };
    },
    update() {
      return Promise.reject(new Error('overlay networks are replaced, never updated'));
    },
    async delete({ observed, address }) {
      const name = observed?.name ?? address.slice('swarm.network.'.length);
      const found = (await manager().listNetworks({ name: [name] })).find((n) => n.Name === name);
      if (found) await manager().removeNetwork(found.Id, name);
      return {};
    },
  };
}
