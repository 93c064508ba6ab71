/**
 * The swarm provider module: Docker Engine on every guest with role `swarm-manager` /
 * `swarm-worker` (`swarm.engine`, through the guests' shells), the Swarm formed over them
 * (`swarm.cluster`) and the Swarm-wide overlay networks (`swarm.network`), through each guest's
 * Docker API (clients.ts: TLS with Phoenix's client certificate through the dialer, or the
 * built-in simulator's engines). Without node access nothing of it is managed (said once, here;
 * the stacks provider then plans nothing either).
 */
import { ProviderError } from '../../errors.ts';
import type { Resource } from '../../engine/handler.ts';
import { defineProvider } from '../provider.ts';
import { untilGuestExists } from '../node/guest-presence.ts';
import { CLUSTER_KIND, swarmClusterHandler } from './cluster.ts';
import { swarmClients } from './clients.ts';
import { deriveSwarm } from './derive.ts';
import { ENGINE_KIND, engineHandler } from './engine.ts';
import { NETWORK_KIND, swarmNetworkHandler } from './network.ts';
import { untilEngineExists } from './presence.ts';

export const swarmProvider = defineProvider({
  name: 'swarm',
  sections: ['platform.swarm'],
  kinds: [ENGINE_KIND, CLUSTER_KIND, NETWORK_KIND],
  keptOnDestroy: {
    [CLUSTER_KIND]: 'Phoenix never dissolves a Swarm; it goes with its guests',
    [ENGINE_KIND]: "Docker stays installed (removing it would take the node's containers); it goes with its guest",
  },
  derive({ config, nodeShell }) {
    let resources: Resource[];
    try {
      resources = deriveSwarm(config);
    } catch (error) {
      if (error instanceof ProviderError)
        return { resources: [], diagnostics: [{ severity: 'error', code: error.code, message: error.message }] };
      throw error;
    }
    if (nodeShell || resources.length === 0) return { resources };
    // Docker is installed and its TLS set up through the guests' shells, and Phoenix's client
    // certificate comes with the pki provider, which needs them too: nothing to reach otherwise.
    return {
      resources: [],
      diagnostics: [
        {
          severity: 'warning',
          code: 'W_SWARM_NO_SSH',
          message: 'Docker, the Swarm and the stacks are not managed: no SSH access to the nodes',
          hint: 'set proxmox.ssh',
        },
      ],
    };
  },
  handlers(rt) {
    const clients = swarmClients(rt);
    const pkg = rt.config.platform.swarm?.engine?.package ?? 'docker.io';
    const shells =
      rt.shells ??
      (() => {
        throw new Error('the guests cannot be reached: no SSH access');
      });
    const engine = engineHandler(shells, (name) => clients.node(name));
    const manager = clients.guests.find((g) => g.role === 'manager')?.target;
    return [
      rt.shells ? untilGuestExists(engine, rt.shells) : engine,
      untilEngineExists(swarmClusterHandler({ node: clients.node }), rt.shells, pkg, manager),
      untilEngineExists(swarmNetworkHandler(clients.manager), rt.shells, pkg, manager),
    ];
  },
});
