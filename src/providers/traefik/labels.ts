/**
 * Swarm service labels for routed stack services, computed here and applied by the stacks
 * provider with the stack: they only let Traefik's Swarm provider see the service and its port
 * (and network); the routers and middlewares are Phoenix's dynamic files, so routing is declared
 * in one place.
 */
import type { TableRoute } from '../gateway/routes.ts';
import { swarmTraefikService, upstreamTransport } from './render.ts';

/** Swarm service name (`<stack>_<service>`) → labels. Conflicting ports for one service are reported. */
export function swarmServiceLabels(
  routes: TableRoute[],
  network?: string,
): { labels: Record<string, Record<string, string>>; conflicts: string[] } {
  const labels: Record<string, Record<string, string>> = {};
  const conflicts: string[] = [];
  for (const route of routes) {
    if (route.target.kind !== 'stack') continue;
    const name = swarmTraefikService(route) as string;
    const proto = route.passthrough ? 'tcp' : 'http';
    const set = (labels[route.target.swarmService] ??= { 'traefik.enable': 'true' });
    const portKey = `traefik.${proto}.services.${name}.loadbalancer.server.port`;
    const port = String(route.target.port);
    if (set[portKey] !== undefined && set[portKey] !== port)
      conflicts.push(`${route.origin}: ${route.target.swarmService} is routed to port ${set[portKey]} and ${port}`);
    set[portKey] = port;
    if (proto === 'http') set[`traefik.http.services.${name}.loadbalancer.server.scheme`] = route.target.scheme;
    // An https service is verified with the transport Phoenix's dynamic files define (server name + internal root).
    const transport = upstreamTransport(route);
    if (transport) set[`traefik.http.services.${name}.loadbalancer.serverstransport`] = `${transport}@file`;
    if (network) set['traefik.swarm.network'] = network;
  }
  return { labels, conflicts };
}
