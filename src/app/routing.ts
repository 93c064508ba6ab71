/**
 * The routing providers in one environment: the gateway's nginx and Traefik, derived from the
 * routes, run through the node shell (pct exec / guest agent): on a Proxmox host with `proxmox.ssh`
 * and on the built-in simulator alike (its guests answer `nginx -t` with this machine's nginx).
 * Without node access they are left out with a warning.
 */
import type { LoadedConfig } from '../config/index.ts';
import type { AnyResourceHandler, Resource } from '../engine/handler.ts';
import { ConfigError, type Diagnostic } from '../errors.ts';
import { deriveGatewayResources, nginxHandler } from '../providers/gateway/index.ts';
import { untilGuestExists, type ShellResolver } from '../providers/node/index.ts';
import { binaryHandler, deriveTraefikResources } from '../providers/traefik/index.ts';

export interface RoutingWiring {
  resources: Resource[];
  handlers: AnyResourceHandler[];
  warnings: Diagnostic[];
}

export function wireRouting(input: {
  loaded: LoadedConfig;
  shells?: ShellResolver;
  /** Kept for the caller's wiring; the simulator's guests run the same commands as real ones. */
  simulator: boolean;
  resolveSecret(ref: string): Promise<string>;
}): RoutingWiring {
  const { config } = input.loaded;
  const handlers = input.shells
    ? [
        untilGuestExists(nginxHandler({ shells: input.shells, resolveSecret: input.resolveSecret }), input.shells),
        untilGuestExists(binaryHandler(input.shells), input.shells),
      ]
    : [];
  if (config.routes.length === 0) return { resources: [], handlers, warnings: [] };
  if (!input.shells) {
    return {
      resources: [],
      handlers,
      warnings: [
        {
          severity: 'warning',
          code: 'W_ROUTES_NOT_APPLIED',
          message: 'gateway and Traefik config are generated and checked but not applied: no SSH access to the nodes',
          hint: 'set proxmox.ssh',
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
