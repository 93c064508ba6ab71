/**
 * Route options the schema alone cannot judge: header names, pass-through
 * routes that also ask for HTTP-only options, listening ports that collide (with each other or
 * with the gateway's own HTTP/HTTPS ports) and allow-list entries that are not real addresses.
 */
import { parseIpv4Cidr } from '../schema-common.ts';
import type { CheckContext } from './context.ts';

/** RFC 9110 token characters. */
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/;

const HTTP_ONLY = ['maxBodySize', 'headers', 'allow', 'basicAuth', 'timeout'] as const;

export function checkRouteOptions(ctx: CheckContext): void {
  const { routes, platform } = ctx.config;
  const gatewayPorts = new Map<number, string>([
    [platform.gateway?.httpPort ?? 80, 'platform.gateway.httpPort'],
    [platform.gateway?.httpsPort ?? 443, 'platform.gateway.httpsPort'],
  ]);
  const portProtocol = new Map<number, { protocol: string; index: number }>();
  routes.forEach((route, ri) => {
    for (const side of ['request', 'response'] as const) {
      for (const name of Object.keys(route.headers?.[side] ?? {})) {
        if (!HEADER_NAME.test(name))
          ctx.report(
            ['routes', ri, 'headers', side, name],
            'E_ROUTE_HEADER',
            `"${name}" is not an HTTP header name`,
            'letters, digits and "-" (RFC 9110 token characters), e.g. X-Frame-Options',
          );
      }
    }
    (route.allow ?? []).forEach((entry, ai) => {
      const value = entry.includes('/') ? entry : `${entry}/32`;
      if (parseIpv4Cidr(value) === undefined)
        ctx.report(
          ['routes', ri, 'allow', ai],
          'E_ROUTE_ALLOW',
          `"${entry}" is not an IPv4 address or CIDR`,
          'octets 0-255, prefix 0-32',
        );
    });
    const pass = route.passthrough;
    if (!pass) return;
    for (const option of HTTP_ONLY) {
      if (route[option] !== undefined)
        ctx.report(
          ['routes', ri, option],
          'E_ROUTE_PASSTHROUGH',
          `route ${route.host}: ${option} needs HTTP, but the route passes raw ${pass.protocol} through`,
          `remove ${option}, or remove passthrough`,
        );
    }
    if (route.path !== '/')
      ctx.report(
        ['routes', ri, 'path'],
        'E_ROUTE_PASSTHROUGH',
        `route ${route.host}: a pass-through route cannot select a path`,
        'remove path (the whole connection is forwarded)',
      );
    if (route.tls)
      ctx.report(
        ['routes', ri, 'tls'],
        'E_ROUTE_PASSTHROUGH',
        `route ${route.host}: a pass-through route does not terminate TLS, so it takes no certificate`,
        'remove tls',
      );
    const owner = gatewayPorts.get(pass.port);
    if (owner) {
      ctx.report(
        ['routes', ri, 'passthrough', 'port'],
        'E_ROUTE_PORT',
        `route ${route.host}: port ${pass.port} is already the gateway's ${owner}`,
        'pick another port for the pass-through',
      );
      return;
    }
    const other = portProtocol.get(pass.port);
    if (!other) portProtocol.set(pass.port, { protocol: pass.protocol, index: ri });
    else if (other.protocol === 'tcp' || pass.protocol === 'tcp')
      ctx.report(
        ['routes', ri, 'passthrough', 'port'],
        'E_ROUTE_PORT',
        `route ${route.host}: port ${pass.port} is already used by routes[${other.index}]`,
        'a tcp pass-through needs a port of its own (tls pass-throughs may share one, told apart by SNI)',
      );
  });
}
