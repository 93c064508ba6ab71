/**
 * The portainer provider module: Portainer deployed as a Swarm stack on the manager
 * (`portainer.server`), and the Swarm registered in it as an agent environment
 * (`portainer.environment`). It needs the Swarm manager's Docker API (`swarmDocker`, wired by
 * whoever reaches it: the swarm provider's wiring, a test), reaches Portainer through the
 * runtime's dialer (direct TCP by default), trusts the internal root read from the CA guest,
 * and keeps its API key in the state file's encrypted secrets.
 */
import { directDial } from '../../clients/dial/dialer.ts';
import type { Diagnostic } from '../../errors.ts';
import { caPaths } from '../pki/ca-bundle.ts';
import { CERTIFICATE_KIND, derivePki, STEP_CA_KIND } from '../pki/index.ts';
import type { StepCaDesired } from '../pki/step-ca-handler.ts';
import { guestAddress } from '../proxmox/spec.ts';
import { defineProvider, type ProviderRuntime, type ResourceRef, type StatusDetails } from '../provider.ts';
import { portainerStack } from './stack.ts';
import { swarmClients } from '../swarm/clients.ts';
import { untilEngineExists } from '../swarm/presence.ts';
import type { PortainerDeps } from './deps.ts';
import {
  agentUrl,
  ENVIRONMENT_KIND,
  environmentAddress,
  portainerEnvironmentHandler,
  type EnvironmentDesired,
  type EnvironmentObserved,
} from './environment-handler.ts';
import { portainerServerHandler, SERVER_ADDRESS, SERVER_KIND, type ServerObserved } from './server-handler.ts';
import { ENVIRONMENT_NAME, portainerSettings } from './settings.ts';
import type { Resource } from '../../engine/handler.ts';

const CLUSTER_REF: ResourceRef = { kind: 'swarm.cluster', address: 'swarm.cluster' };

function unreachable(what: string): never {
  throw new Error(what);
}

/** The internal root, read from the CA guest (the file step-ca serves as its root). */
function rootReader(rt: ProviderRuntime): () => Promise<string> {
  let root: Promise<string> | undefined;
  return () => {
    root ??= (async () => {
      const ca = derivePki(rt.config).resources.find((r) => r.kind === STEP_CA_KIND)?.desired as
        StepCaDesired | undefined;
      if (!ca) throw new Error('Portainer needs the internal CA (platform.stepCa) to verify its certificates');
      if (!rt.shells) throw new Error('the CA guest cannot be reached to read the internal root: no SSH access');
      const path = caPaths(ca.baseDir).root;
      const result = await rt.shells(ca.target).exec(['cat', path], { idempotent: true });
      if (result.code !== 0) throw new Error(`cannot read the internal root ${path}: ${result.stderr.trim()}`);
      return result.stdout;
    })();
    root.catch(() => (root = undefined));
    return root;
  };
}

export const portainerProvider = defineProvider({
  name: 'portainer',
  sections: ['platform.portainer'],
  kinds: [SERVER_KIND, ENVIRONMENT_KIND],
  derive({ config, swarmApi, locate }) {
    if (!swarmApi) {
      // Said only where Portainer is asked for; a guest's role alone is not a request.
      if (!config.platform?.portainer) return { resources: [] };
      return {
        resources: [],
        diagnostics: [
          {
            severity: 'warning',
            code: 'W_PORTAINER_NO_DOCKER',
            message: "Portainer is not deployed: the Swarm manager's Docker API cannot be reached",
            hint: 'Portainer is deployed once Phoenix reaches the Swarm (the swarm provider)',
          },
        ],
      };
    }
    const { settings, problems } = portainerSettings(config);
    if (settings && !settings.adminPassword)
      problems.push(
        'platform.portainer.adminPassword is required (a secret reference, e.g. env:PHOENIX_PORTAINER_PASSWORD)',
      );
    const location = locate?.(['platform', 'portainer']);
    const diagnostics: Diagnostic[] = problems.map((message) => ({
      severity: 'error',
      code: 'E_PORTAINER_CONFIG',
      message,
      ...(location ? { location } : {}),
    }));
    if (!settings || problems.length > 0) return { resources: [], diagnostics };
    let stack;
    try {
      stack = portainerStack(settings);
    } catch (error) {
      return {
        resources: [],
        diagnostics: [{ severity: 'error', code: 'E_PORTAINER_STACK', message: (error as Error).message }],
      };
    }
    const certRefs: ResourceRef[] = [settings.serverCertificate, ...settings.agentCertificates].map((c) => ({
      kind: CERTIFICATE_KIND,
      address: c.address,
    }));
    const server: Resource = {
      address: SERVER_ADDRESS,
      kind: SERVER_KIND,
      desired: { settings, stack },
      dependsOn: [],
      references: [{ kind: 'proxmox.guest', address: guestAddress(settings.server.vmid) }, CLUSTER_REF, ...certRefs],
    };
    const environment: Resource<EnvironmentDesired> = {
      address: environmentAddress(ENVIRONMENT_NAME),
      kind: ENVIRONMENT_KIND,
      desired: { name: ENVIRONMENT_NAME, url: agentUrl(settings), settings },
      dependsOn: [],
      references: [{ kind: SERVER_KIND, address: SERVER_ADDRESS }],
    };
    return { resources: [server, environment] };
  },
  handlers(rt) {
    const { settings } = portainerSettings(rt.config);
    const deps: PortainerDeps = {
      docker: () =>
        rt.swarmDocker && settings
          ? rt.swarmDocker(settings.server.vmid)
          : unreachable("the Swarm manager's Docker API cannot be reached"),
      // The simulator's (or a test's) override, else through the server guest's node.
      dial: rt.dial ?? rt.dialer?.(settings?.server.node ?? rt.config.cluster.nodes[0]?.name ?? 'pve') ?? directDial(),
      rootPem: rootReader(rt),
      resolveSecret: rt.resolveSecret,
      vault: () => (rt.vault ? rt.vault() : unreachable('no state file to keep the Portainer API key in')),
    };
    // Before the manager's Docker Engine exists (a fresh environment), observing plans a create.
    const pkg = rt.config.platform.swarm?.engine?.package ?? 'docker.io';
    const manager = swarmClients(rt).guests.find((g) => g.role === 'manager')?.target;
    return [
      untilEngineExists(portainerServerHandler(deps), rt.shells, pkg, manager),
      untilEngineExists(portainerEnvironmentHandler(deps, settings), rt.shells, pkg, manager),
    ];
  },
  statusDetails(resource, observed): StatusDetails {
    if (resource?.kind === SERVER_KIND || observed?.kind === SERVER_KIND) {
      const o = observed?.observed as ServerObserved | null | undefined;
      const details: StatusDetails = { image: o?.image ?? '' };
      if (o) details.services = o.services.join(' ');
      return details;
    }
    const o = observed?.observed as EnvironmentObserved | null | undefined;
    if (!o) return { endpoint: 'not registered' };
    const details: StatusDetails = {
      endpoint: o.environment ? `registered (id ${o.environment.id})` : 'not registered',
    };
    if (o.environment) details.url = o.environment.url;
    return details;
  },
});
