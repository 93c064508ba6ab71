/**
 * The gateway provider module: nginx on the gateway guest, one generated file per route host,
 * checked by `nginx -t` before it is activated. Its packages and service are node-provider
 * resources; `gateway.nginx` is its own kind. Everything runs through the guests' shells (pct
 * exec / guest agent): on a Proxmox host with `proxmox.ssh` and on the built-in simulator alike
 * (its guests answer `nginx -t` with this machine's nginx). Without node access the routes are
 * generated and checked but not applied (said once, here).
 */
import { untilGuestExists } from '../node/guest-presence.ts';
import { defineProvider } from '../provider.ts';
import { deriveGatewayResources } from './derive.ts';
import { NGINX_KIND, nginxHandler } from './nginx-handler.ts';

export const gatewayProvider = defineProvider({
  name: 'gateway',
  sections: ['routes', 'platform.gateway'],
  kinds: [NGINX_KIND],
  derive({ config, nodeShell, locate }) {
    const derived = deriveGatewayResources(config, locate ? { locate } : {});
    if (config.routes.length === 0) return { resources: [], diagnostics: derived.diagnostics };
    if (!nodeShell) {
      return {
        resources: [],
        diagnostics: [
          ...derived.diagnostics.filter((d) => d.severity === 'error'),
          {
            severity: 'warning',
            code: 'W_ROUTES_NOT_APPLIED',
            message: 'gateway and Traefik config are generated and checked but not applied: no SSH access to the nodes',
            hint: 'set proxmox.ssh',
          },
        ],
      };
    }
    return { resources: derived.resources, diagnostics: derived.diagnostics };
  },
  handlers: (rt) => {
    if (!rt.shells) {
      const unreachable = () => {
        throw new Error('the guests cannot be reached: no SSH access');
      };
      return [nginxHandler({ shells: unreachable, resolveSecret: rt.resolveSecret })];
    }
    // Planned as created while the gateway guest does not exist yet (a fresh environment).
    return [untilGuestExists(nginxHandler({ shells: rt.shells, resolveSecret: rt.resolveSecret }), rt.shells)];
  },
});
