/**
 * Traefik's static and dynamic files validate with zero errors against the official v3 schemas,
 * for examples/homelab and for random route tables; and the validator does catch a wrong file.
 */
import fc from 'fast-check';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.ts';
import { deriveRouteTable } from '../gateway/routes.ts';
import { arbitraryRouteTable } from '../gateway/_arbitrary.ts';
import { renderDynamic, renderStatic, toYaml } from './render.ts';
import { swarmServiceLabels } from './labels.ts';
import { traefikSettings, type TraefikSettings } from './settings.ts';
import { traefikValidators } from './_traefik-schema.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const validators = traefikValidators();

function checkAll(settings: TraefikSettings, routes: ReturnType<typeof deriveRouteTable>['routes']): void {
  // Validate what is written: the YAML text parsed back, not the objects it came from.
  const staticDoc = parse(toYaml(renderStatic(routes, settings), 'static')) as unknown;
  expect(validators.static(staticDoc)).toEqual([]);
  for (const [file, doc] of Object.entries(renderDynamic(routes, settings.paths.trustedRoot)))
    expect(validators.dynamic(parse(toYaml(doc, file))), file).toEqual([]);
}

describe('Traefik files against the official schemas', () => {
  it('examples/homelab: static + one dynamic file per route, zero errors; never insecureSkipVerify', async () => {
    const { config } = await loadConfig(join(ROOT, 'examples', 'homelab'));
    const { routes } = deriveRouteTable(config);
    const { settings, diagnostics } = traefikSettings(config);
    expect(diagnostics).toEqual([]);
    checkAll(settings as TraefikSettings, routes);
    const staticDoc = renderStatic(routes, settings as TraefikSettings);
    expect(staticDoc).toMatchObject({
      providers: {
        file: { directory: '/etc/traefik/dynamic' },
        swarm: { endpoint: 'tcp://10.10.0.11:2376', tls: { cert: expect.any(String), key: expect.any(String) } },
      },
      certificatesResolvers: {
        stepca: {
          acme: { caServer: 'https://step-ca.home.arpa/acme/acme/directory', httpChallenge: { entryPoint: 'web' } },
        },
      },
      serversTransport: { rootCAs: ['/etc/phoenix/certs/root.pem'] },
    });
    const dynamic = renderDynamic(routes, '/etc/phoenix/certs/root.pem');
    const everything = JSON.stringify([staticDoc, dynamic]);
    expect(everything).not.toContain('insecureSkipVerify');
    // Portainer answers over https: Traefik verifies it as the name on its certificate, against the internal root.
    expect(dynamic['portainer-ui-home-arpa.yaml']).toMatchObject({
      http: {
        serversTransports: {
          'portainer-portainer-upstream': {
            serverName: 'portainer.internal.home.arpa',
            rootCAs: ['/etc/phoenix/certs/root.pem'],
          },
        },
      },
    });
    expect(JSON.stringify(dynamic['whoami-home-arpa.yaml'])).not.toContain('serversTransport');
    expect(Object.keys(dynamic).sort()).toEqual([
      'portainer-ui-home-arpa.yaml',
      'whoami-home-arpa.yaml',
      'whoami-test-home-arpa.yaml',
    ]);
    expect(swarmServiceLabels(routes).labels).toEqual({
      portainer_portainer: {
        'traefik.enable': 'true',
        'traefik.http.services.portainer-portainer.loadbalancer.server.port': '9443',
        'traefik.http.services.portainer-portainer.loadbalancer.server.scheme': 'https',
        'traefik.http.services.portainer-portainer.loadbalancer.serverstransport': 'portainer-portainer-upstream@file',
      },
      whoami_whoami: {
        'traefik.enable': 'true',
        'traefik.http.services.whoami-whoami.loadbalancer.server.port': '80',
        'traefik.http.services.whoami-whoami.loadbalancer.server.scheme': 'http',
      },
      'whoami-testing_whoami': {
        'traefik.enable': 'true',
        'traefik.http.services.whoami-testing-whoami.loadbalancer.server.port': '80',
        'traefik.http.services.whoami-testing-whoami.loadbalancer.server.scheme': 'http',
      },
    });
  });

  it('random route tables: zero errors', () => {
    let runs = 0;
    fc.assert(
      fc.property(arbitraryRouteTable(), ({ routes, config }) => {
        runs += 1;
        const base = traefikSettings({ ...config, guests: [...config.guests, caGuest] });
        checkAll(base.settings as TraefikSettings, routes);
      }),
      { numRuns: 60 },
    );
    expect(runs).toBe(60);
  });

  it('the validator is not blind: a wrong field and a wrong type are errors', () => {
    expect(validators.static({ entryPoints: { web: { adress: ':80' } } }).length).toBeGreaterThan(0);
    expect(validators.dynamic({ http: { routers: { a: { rule: 1 } } } }).length).toBeGreaterThan(0);
    expect(validators.dynamic({ http: { services: { a: { loadBalancer: { servers: [] } } } } }).length).toBeGreaterThan(
      0,
    ); // Phoenix's own checks on top of the official schema (which leaves http.serversTransports open).
    expect(validators.dynamic({ http: { serversTransports: { t: { serverName: 'a', rootCA: ['x'] } } } })).toEqual([
      '/http/serversTransports/t must NOT have additional properties (additionalProperty: "rootCA")',
    ]);
    expect(validators.dynamic({ http: { serversTransports: { t: { insecureSkipVerify: true } } } })).toEqual([
      '/http/serversTransports/t/insecureSkipVerify must not be true (upstreams are verified against the internal root)',
    ]);
    expect(validators.static({ serversTransport: { insecureSkipVerify: true } })).toHaveLength(1);
    expect(
      validators.dynamic({ http: { serversTransports: { t: { serverName: 'a', rootCAs: ['/r.pem'] } } } }),
    ).toEqual([]);
  });
});

const caGuest = {
  id: 103,
  name: 'step-ca',
  node: 'pve',
  type: 'lxc',
  template: 't',
  role: 'step-ca',
  net: [{ name: 'eth0', bridge: 'vmbr0', ip: '10.0.0.103/24' }],
} as never;
