/**
 * Public surface of the gateway provider (nginx on the gateway guest): the route table every
 * routing provider shares, derivation of the gateway's resources, and the `gateway.nginx`
 * handler. Self-contained: `gatewayProvider` is what a provider registry needs.
 */
import type { AnyResourceHandler } from '../../engine/handler.ts';
import { deriveGatewayResources } from './derive.ts';
import { nginxHandler, type NginxHandlerDeps } from './nginx-handler.ts';

export {
  deriveGatewayResources,
  routeHostsForDns,
  DEFAULT_NGINX_COMMANDS,
  type GatewayDeriveOptions,
} from './derive.ts';
export { deriveRouteTable, swarmServiceName, routeName, type TableRoute, type RouteTable } from './routes.ts';
export {
  renderNginx,
  routeSummary,
  type GatewaySettings,
  type NginxRender,
  type RouteSummary,
} from './render-nginx.ts';
export { defaultLayout, layoutPaths, type NginxLayout } from './layout.ts';
export { gatewaySettings } from './settings.ts';
export {
  NGINX_KIND,
  nginxHandler,
  type NginxDesired,
  type NginxObserved,
  type NginxHandlerDeps,
} from './nginx-handler.ts';

export const gatewayProvider = {
  name: 'gateway',
  derive: deriveGatewayResources,
  handlers: (deps: NginxHandlerDeps): AnyResourceHandler[] => [nginxHandler(deps)],
};
