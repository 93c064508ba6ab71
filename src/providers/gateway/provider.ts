/**
 * The gateway provider module: nginx on the gateway guest, one generated file per route host,
 * checked by `nginx -t` before it is activated. Its packages and service are node-provider
 * resources; `gateway.nginx` is its own kind. Everything runs through the guests' shells, so
 * without them the routes are generated and checked but not applied (said once, here).
 */
import { defineProvider } from '../provider.ts';
import { deriveGatewayResources } from './derive.ts';
import { NGINX_KIND, nginxHandler } from './nginx-handler.ts';

export const gatewayProvider = defineProvider({
  name: 'gateway',
  sections: ['routes', 'platform.gateway'],
  kinds: [NGINX_KIND],
  derive({ config, nodeShell, builtinSimulator, locate }) {
    const derived = deriveGatewayResources(config, locate ? { locate } : {});
    if (config.routes.length === 0) return { resources: [], diagnostics: derived.diagnostics };
    if (builtinSimulator || !nodeShell) {
      const why = builtinSimulator ? 'the simulator cannot run nginx in its guests yet' : 'no SSH access to the nodes';
      return {
        resources: [],
        diagnostics: [
          ...derived.diagnostics.filter((d) => d.severity === 'error'),
          {
            severity: 'warning',
            code: 'W_ROUTES_NOT_APPLIED',
            message: `gateway and Traefik config are generated and checked but not applied: ${why}`,
            hint: builtinSimulator ? 'point Phoenix at a Proxmox host with proxmox.ssh' : 'set proxmox.ssh',
          },
        ],
      };
    }
    return { resources: derived.resources, diagnostics: derived.diagnostics };
  },
  handlers: (rt) => [
    nginxHandler({
      shells:
        rt.shells ??
        (() => {
          throw new Error('the guests cannot be reached: no SSH access');
        }),
      resolveSecret: rt.resolveSecret,
    }),
  ],
});
