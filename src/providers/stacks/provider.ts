/**
 * The stacks provider module: every stack environment of the config deployed as a Swarm stack
 * (`swarm.stack`) through the Swarm manager's Docker API (the swarm provider's clients). Its
 * derivation reads the compose files and versions the secrets' values (a slow salted digest,
 * never the value), so it is async. Stacks are deleted only with `--prune`.
 */
import { ProviderError } from '../../errors.ts';
import { defineProvider } from '../provider.ts';
import { swarmClients } from '../swarm/clients.ts';
import { managerTarget } from '../swarm/derive.ts';
import { untilEngineExists } from '../swarm/presence.ts';
import { deriveTraefikResources } from '../traefik/derive.ts';
import { deriveStacks, STACK_KIND, type StackDesired } from './derive.ts';
import { stacksHandler, type StackObserved } from './handler.ts';

export const stacksProvider = defineProvider({
  name: 'stacks',
  sections: ['stacks'],
  kinds: [STACK_KIND],
  async derive({ config, configDir, resolveSecret, nodeShell }) {
    if (config.stacks.length === 0) return { resources: [] };
    try {
      let target;
      try {
        target = managerTarget(config);
      } catch {
        // The swarm provider reports a Swarm guest without an address.
      }
      const resources = await deriveStacks({
        stacks: config.stacks,
        secrets: { configDir, env: {} },
        // Without node access nothing is deployed: the compose files are checked, no secret is read.
        resolve: nodeShell ? (resolveSecret ?? null) : null,
        // Routed services carry the labels Traefik's Swarm provider reads (its routers are files).
        serviceLabels: deriveTraefikResources(config).labels,
        ...(target ? { target } : {}),
      });
      if (!target)
        return {
          resources: [],
          diagnostics: [
            {
              severity: 'error',
              code: 'E_STACK_NO_SWARM',
              message: `stacks are declared (${config.stacks.map((s) => s.name).join(', ')}) but no guest has the role swarm-manager`,
              hint: 'give one guest role: swarm-manager',
            },
          ],
        };
      // Checked either way; deployed only where the swarm provider manages the Swarm (it says why not).
      return { resources: nodeShell ? resources : [] };
    } catch (error) {
      if (error instanceof ProviderError)
        return {
          resources: [],
          diagnostics: [
            {
              severity: 'error',
              code: error.code,
              message: error.detail ? `${error.message}:\n${error.detail}` : error.message,
              ...(error.hint ? { hint: error.hint } : {}),
            },
          ],
        };
      throw error;
    }
  },
  statusDetails(resource, observed) {
    const d = resource?.desired as StackDesired | undefined;
    const o = observed?.observed as StackObserved | null | undefined;
    const services = o?.services ?? {};
    const names = Object.keys(services).sort();
    const updated = names
      .map((n) => services[n]!.updatedAt ?? '')
      .sort()
      .at(-1);
    return {
      ...(d || o ? { namespace: o?.namespace ?? d!.namespace } : {}),
      ...(names.length > 0
        ? {
            services: names.map((n) => `${n} ${services[n]!.replicas}`).join(', '),
            images: [...new Set(names.map((n) => services[n]!.image))].join(', '),
          }
        : {}),
      ...(updated ? { updated } : {}),
    };
  },
  handlers(rt) {
    const clients = swarmClients(rt);
    const pkg = rt.config.platform.swarm?.engine?.package ?? 'docker.io';
    const manager = clients.guests.find((g) => g.role === 'manager')?.target;
    return [
      untilEngineExists(
        stacksHandler({ manager: clients.manager, secrets: rt.resolveSecret }),
        rt.shells,
        pkg,
        manager,
      ),
    ];
  },
});
