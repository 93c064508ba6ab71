/**
 * Route options (body size, headers, allow-list, basic auth, timeout, pass-through): bad values
 * are located diagnostics at file:line:column with a hint; valid ones load. Route hosts differ
 * from the guest names: a route host is an internal DNS name at the gateway (E_DNS_CONFLICT).
 */
import { describe, expect, it } from 'vitest';
import { BASE, lxc, writeConfig } from './__fixtures__/harness.ts';
import { validateConfig } from './index.ts';

const GUESTS = `guests:\n${lxc(101, 'gw', 'role: gateway')}${lxc(102, 'traefik', 'role: traefik')}${lxc(110, 'app')}`;

async function errorsOf(routes: string): Promise<string[]> {
  const temp = writeConfig({ 'phoenix.yaml': BASE + GUESTS, 'routes.yaml': `routes:\n${routes}` });
  try {
    const result = await validateConfig(temp.dir);
    return result.diagnostics
      .filter((d) => d.severity === 'error')
      .map(
        (d) =>
          `${d.location?.file}:${d.location?.line}:${d.location?.column} ${d.code} ${d.message}${d.hint ? '' : ' (NO HINT)'}`,
      );
  } finally {
    temp.cleanup();
  }
}

describe('route options in the config', () => {
  it('accepts every option on an HTTP route and a pass-through route', async () => {
    expect(
      await errorsOf(
        [
          '  - host: web.home.arpa',
          '    path: /api/',
          '    target: { guest: app, port: 8080 }',
          '    maxBodySize: 25m',
          '    headers: { request: { X-Env: prod }, response: { X-Frame-Options: DENY } }',
          '    allow: [192.168.1.0/24, 10.0.0.5]',
          '    basicAuth: { realm: Admins, htpasswd: "file:secrets/app.htpasswd" }',
          '    timeout: 300',
          '  - { host: db.home.arpa, target: { guest: app, port: 5432 }, passthrough: { protocol: tcp, port: 5432 } }',
          '',
        ].join('\n'),
      ),
    ).toEqual([]);
  });

  it('locates each bad value', async () => {
    expect(
      await errorsOf(
        [
          '  - host: web.home.arpa',
          '    target: { guest: app, port: 8080 }',
          '    maxBodySize: 10 MB',
          '    headers: { response: { "Bad Header": x } }',
          '    allow: [300.1.1.1]',
          '    basicAuth: { htpasswd: "admin:$apr1$plain" }',
          '',
        ].join('\n'),
      ),
    ).toEqual([
      'routes.yaml:4:18 E_SCHEMA maxBodySize must be a size such as "10m", "512k" or "1g"',
      'routes.yaml:7:28 E_SECRET_LITERAL htpasswd must be a secret reference (env:NAME or file:path), not the secret itself',
    ]);
    expect(
      await errorsOf(
        '  - { host: web.home.arpa, target: { guest: app, port: 80 }, allow: [300.1.1.1], headers: { response: { "Bad Header": x } } }\n',
      ),
    ).toEqual([
      'routes.yaml:2:70 E_ROUTE_ALLOW "300.1.1.1" is not an IPv4 address or CIDR',
      'routes.yaml:2:119 E_ROUTE_HEADER "Bad Header" is not an HTTP header name',
    ]);
  });

  it('pass-through routes: no HTTP options, no path, no clash with the gateway ports or another tcp route', async () => {
    expect(
      await errorsOf(
        [
          '  - { host: a.home.arpa, target: { guest: app, port: 1 }, passthrough: { protocol: tcp, port: 443 } }',
          '  - { host: b.home.arpa, path: /x, target: { guest: app, port: 1 }, maxBodySize: 1m, passthrough: { protocol: tls, port: 8443 } }',
          '  - { host: c.home.arpa, target: { guest: app, port: 1 }, passthrough: { protocol: tcp, port: 8443 } }',
          '  - { host: d.home.arpa, target: { guest: app, port: 1 }, passthrough: { protocol: tls, port: 8443 } }',
          '  - { host: d.home.arpa, target: { guest: app, port: 2 }, passthrough: { protocol: tls, port: 8443 } }',
          '',
        ].join('\n'),
      ),
    ).toEqual([
      "routes.yaml:2:95 E_ROUTE_PORT route a.home.arpa: port 443 is already the gateway's platform.gateway.httpsPort",
      'routes.yaml:3:32 E_ROUTE_PASSTHROUGH route b.home.arpa: a pass-through route cannot select a path',
      'routes.yaml:3:82 E_ROUTE_PASSTHROUGH route b.home.arpa: maxBodySize needs HTTP, but the route passes raw tls through',
      'routes.yaml:4:95 E_ROUTE_PORT route c.home.arpa: port 8443 is already used by routes[1]',
      'routes.yaml:6:13 E_DUPLICATE duplicate route "d.home.arpa:8443" (first used at routes.yaml:5:13)',
    ]);
  });
});
