/**
 * The Swarm provider: `swarm.cluster` and `swarm.network` handlers plus their derive step.
 * `swarmHandlers` takes a Docker client per Swarm guest (by guest name); the first manager's
 * client serves the Swarm-wide calls.
 */
import type { AnyResourceHandler } from '../../engine/handler.ts';
import type { DockerClient } from '../../clients/docker/client.ts';
import { swarmClusterHandler } from './cluster.ts';
import { swarmNetworkHandler } from './network.ts';

export {
  CLUSTER_ADDRESS,
  CLUSTER_KIND,
  swarmClusterHandler,
  type SwarmDesired,
  type SwarmObserved,
} from './cluster.ts';
export { NETWORK_KIND, networkAddress, swarmNetworkHandler } from './network.ts';
export { deriveSwarm } from './derive.ts';

export interface SwarmDeps {
  node(name: string): DockerClient;
  manager(): DockerClient;
}

export function swarmHandlers(deps: SwarmDeps): AnyResourceHandler[] {
  return [swarmClusterHandler({ node: deps.node }), swarmNetworkHandler(deps.manager)];
}
