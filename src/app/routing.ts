/**
 * The routing providers in one environment: the gateway's nginx and Traefik, derived from the
 * routes, run through the node shell (pct exec / guest agent). On the built-in simulator they are
 * left out with a warning: its guests cannot run nginx yet, so `nginx -t` could not be honoured.
 */
import type { LoadedConfig } from '../config/index.ts';
import type { AnyResourceHandler, Resource } from '../engine/handler.ts';
import { ConfigError, type Diagnostic } from '../errors.ts';
import { deriveGatewayResources, nginxHandler } from '../providers/gateway/index.ts';
import type { ShellResolver } from '../providers/node/index.ts';
import { binaryHandler, deriveTraefikResources } from '../providers/traefik/index.ts';

export interface RoutingWiring {
  resources: Resource[];
  handlers: AnyResourceHandler[];
  warnings: Diagnostic[];
}

export function wireRouting(input: {
  loaded: LoadedConfig;
  shells?: ShellResolver;
  simulator: boolean;
  resolveSecret(ref: string): Promise<string>;
}): RoutingWiring {
  const { config } = input.loaded;
  const handlers = input.shells
    ? [nginxHandler({ shells: input.shells, resolveSecret: input.resolveSecret }), binaryHandler(input.shells)]
    : [];
  if (config.routes.length === 0) return { resources: [], handlers, warnings: [] };
  if (input.simulator || !input.shells) {
    const why = input.simulator ? 'the simulator cannot run nginx in its guests yet' : 'no SSH access to the nodes';
    return {
      resources: [],
      handlers,
      warnings: [
        {
          severity: 'warning',
          code: 'W_ROUTES_NOT_APPLIED',
          message: `gateway and Traefik config are generated and checked but not applied: ${why}`,
          hint: input.simulator ? 'point Phoenix at a Proxmox host with proxmox.ssh' : 'set proxmox.ssh',
        },
      ],
    };
  }
  const gateway = deriveGatewayResources(config, { locate: input.loaded.locate });
  const traefik = deriveTraefikResources(config);
  const diagnostics = [...gateway.diagnostics, ...traefik.diagnostics];
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new ConfigError(errors);
  return {
    resources: [...gateway.resources, ...traefik.resources],
    handlers,
    warnings: diagnostics.filter((d) => d.severity !== 'error'),
  };
}
