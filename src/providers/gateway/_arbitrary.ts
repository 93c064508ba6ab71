/**
 * Test-only: fast-check generators of route tables. Routes are generated as config values, run
 * through the real `Route` schema (so only what a user could write is generated) and the route
 * table derivation, with the uniqueness the semantic checks demand (one route per host + path,
 * a tcp pass-through port to itself, never the gateway's own ports).
 */
import fc from 'fast-check';
import { PhoenixConfig, Route } from '../../config/schema.ts';
import { deriveRouteTable, type TableRoute } from './routes.ts';
import type { GatewaySettings } from './render-nginx.ts';

const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?$/);
const host = fc
  .tuple(fc.array(label, { minLength: 1, maxLength: 3 }), fc.constantFrom('test', 'home.arpa', 'example.com'))
  .map(([labels, tld]) => `${labels.join('.')}.${tld}`);
const path = fc
  .array(fc.stringMatching(/^[A-Za-z0-9._~!$&'()*+,;=:@%-]{1,8}$/), { maxLength: 3 })
  .chain((segments) => fc.constantFrom(`/${segments.join('/')}`, `/${segments.join('/')}/`))
  .map((p) => p.replace(/\/\/+/g, '/'));
const headerName = fc.stringMatching(/^[A-Za-z0-9!#%&'*+.^_`|~-]{1,20}$/);
// Any single line without "$" (which would name an nginx variable).
const headerValue = fc.string({ maxLength: 30, unit: 'grapheme' }).filter((v) => !/[\r\n\0$]/.test(v));
const octet = fc.integer({ min: 0, max: 255 });
const allowEntry = fc
  .tuple(octet, octet, octet, octet, fc.option(fc.integer({ min: 0, max: 32 }), { nil: undefined }))
  .map(([a, b, c, d, prefix]) => `${a}.${b}.${c}.${d}${prefix === undefined ? '' : `/${prefix}`}`);
const headers = fc.dictionary(headerName, headerValue, { maxKeys: 3 });

const httpRoute = fc.record(
  {
    host,
    path,
    target: fc.oneof(
      fc.record({ guest: fc.constant('app'), port: fc.integer({ min: 1, max: 65535 }) }),
      fc.record({ stack: fc.constant('web'), service: fc.constant('app'), port: fc.integer({ min: 1, max: 65535 }) }),
    ),
    tls: fc.constant({ certificate: 'edge' }),
    maxBodySize: fc.stringMatching(/^[0-9]{1,9}[kmgKMG]?$/),
    headers: fc.record({ request: headers, response: headers }, { requiredKeys: [] }),
    allow: fc.array(allowEntry, { minLength: 1, maxLength: 4 }),
    basicAuth: fc.record({
      realm: fc.string({ minLength: 1, maxLength: 20 }).filter((v) => !/["\\$\r\n\0]/.test(v)),
      htpasswd: fc.constant('env:HTPASSWD'),
    }),
    timeout: fc.integer({ min: 1, max: 86_400 }),
  },
  { requiredKeys: ['host', 'target', 'tls'] },
);

const passthroughRoute = fc.record({
  host,
  target: fc.record({ guest: fc.constant('app'), port: fc.integer({ min: 1, max: 65535 }) }),
  passthrough: fc.record({
    protocol: fc.constantFrom('tls' as const, 'tcp' as const),
    port: fc.integer({ min: 1, max: 65535 }),
  }),
});

function baseConfig(routes: unknown[]): PhoenixConfig {
  const guest = (id: number, name: string, role: string | undefined, ip: string) => ({
    id,
    name,
    type: 'lxc',
    node: 'pve',
    template: 't',
    role,
    net: [{ name: 'eth0', bridge: 'vmbr0', ip }],
  });
  return PhoenixConfig.parse({
    version: 1,
    guests: [
      guest(101, 'gw', 'gateway', '10.0.0.101/24'),
      guest(102, 'traefik', 'traefik', '10.0.0.102/24'),
      guest(110, 'app', undefined, '10.0.0.110/24'),
    ],
    certificates: [{ name: 'edge', commonName: 'edge.test', guest: 'gw' }],
    routes,
  });
}

export interface ArbitraryTable {
  routes: TableRoute[];
  settings: GatewaySettings;
  config: PhoenixConfig;
}

/** A route table of 1..12 routes (a quarter pass-through) and gateway settings. */
export function arbitraryRouteTable(): fc.Arbitrary<ArbitraryTable> {
  return fc
    .tuple(
      fc.array(fc.oneof({ weight: 3, arbitrary: httpRoute }, { weight: 1, arbitrary: passthroughRoute }), {
        minLength: 1,
        maxLength: 12,
      }),
      fc.constantFrom([80, 443], [8080, 8443]),
      fc.integer({ min: 0, max: 63_072_000 }),
      fc.boolean(),
    )
    .map(([raw, [httpPort, httpsPort], hstsMaxAge, redirectHttp]) => {
      const seen = new Set<string>();
      const tcpPorts = new Set<number>();
      const tlsPorts = new Set<number>();
      const kept = raw.filter((r) => {
        const pass = 'passthrough' in r ? r.passthrough : undefined;
        if (pass) {
          if (pass.port === httpPort || pass.port === httpsPort) return false;
          if (pass.protocol === 'tcp' ? tcpPorts.has(pass.port) || tlsPorts.has(pass.port) : tcpPorts.has(pass.port))
            return false;
          (pass.protocol === 'tcp' ? tcpPorts : tlsPorts).add(pass.port);
        }
        const key = `${r.host} ${pass ? `:${pass.port}` : ('path' in r && r.path) || '/'}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
      const routes = kept.map((r) => Route.parse(r));
      const config = baseConfig(routes);
      const table = deriveRouteTable(config);
      const errors = table.diagnostics.filter((d) => d.severity === 'error');
      if (errors.length > 0) throw new Error(`generator made an invalid table: ${errors[0]?.message}`);
      const settings: GatewaySettings = {
        httpPort,
        httpsPort,
        redirectHttp,
        hstsMaxAge,
        upstream: { address: '10.0.0.102', tlsPort: 443, httpPort: 80 },
      };
      return { routes: table.routes, settings, config };
    });
}
