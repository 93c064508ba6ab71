/**
 * Public surface of the gateway provider (nginx on the gateway guest): the route table every
 * routing provider shares, derivation of the gateway's resources, and the `gateway.nginx`
 * handler. The registry's module is `provider.ts`.
 */
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
