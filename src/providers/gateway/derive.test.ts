import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.ts';
import { deriveDnsRecords } from '../node/dns/records.ts';
import { deriveGatewayResources, routeHostsForDns } from './derive.ts';
import { deriveRouteTable } from './routes.ts';
import type { NginxDesired } from './nginx-handler.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');

describe('deriveGatewayResources', () => {
  it('examples/homelab: nginx installed and running on the gateway guest, one config resource with every file', async () => {
    const loaded = await loadConfig(join(ROOT, 'examples', 'homelab'));
    const { resources, diagnostics } = deriveGatewayResources(loaded.config, { locate: loaded.locate });
    expect(diagnostics).toEqual([]);
    expect(resources.map((r) => [r.address, r.kind, r.dependsOn])).toEqual([
      ['gateway.101.packages', 'node.packages', ['guest.101']],
      ['gateway.101.service.nginx', 'node.service', ['gateway.101.packages']],
      ['gateway.101.nginx', 'gateway.nginx', ['gateway.101.packages', 'gateway.101.service.nginx']],
    ]);
    // The certificates it serves (pki.certificate): issued and installed before nginx and its `nginx -t`.
    const certificate = [{ kind: 'pki.certificate', address: 'cert.gateway-edge' }];
    expect(resources.map((r) => r.references)).toEqual([certificate, undefined, certificate]);
    const desired = resources[2]?.desired as NginxDesired;
    expect(desired.target).toEqual({ kind: 'lxc', node: 'pve', vmid: 101 });
    expect(Object.keys(desired.files).sort()).toEqual([
      'http/00-phoenix.conf',
      'http/portainer-ui.home.arpa.conf',
      'http/whoami-test.home.arpa.conf',
      'http/whoami.home.arpa.conf',
    ]);
    expect(Object.keys(desired.entries)).toEqual(['/etc/nginx/conf.d/phoenix.conf']);
    // Routes are named after their declaration for people: host, path and file:line:column.
    expect(desired.routeLabels['routes[1]']).toMatch(/^whoami\.home\.arpa\/ \(.*edge\.yaml:\d+:\d+\)$/);
    expect(desired.routeLabels['stacks[0].environments.testing.host']).toMatch(
      /^whoami-test\.home\.arpa\/ \(.*whoami\.yaml:\d+:\d+\)$/,
    );
    const whoami = desired.files['http/whoami.home.arpa.conf'] as string;
    for (const line of [
      'ssl_certificate /etc/phoenix/certs/gateway-edge/fullchain.pem;',
      'proxy_pass https://10.10.0.102:443;',
      'proxy_ssl_verify on;',
      'proxy_ssl_trusted_certificate /etc/phoenix/certs/root.pem;',
      'proxy_ssl_name whoami.home.arpa;',
      'proxy_ssl_server_name on;',
      'add_header Strict-Transport-Security "max-age=31536000" always;',
      'return 301 https://$host$request_uri;',
    ])
      expect(whoami).toContain(line);
    expect(whoami).not.toMatch(/proxy_ssl_verify off|insecure/i);
  });

  it('a stack environment host resolves to the gateway unless a DNS record names it already', async () => {
    const { config } = await loadConfig(join(ROOT, 'examples', 'homelab'));
    // whoami-test has an explicit CNAME to the gateway in edge.yaml: no second record for it.
    expect(routeHostsForDns(config).map((r) => r.host)).toEqual(['portainer-ui.home.arpa', 'whoami.home.arpa']);
    const withoutCname = {
      ...config,
      dns: { records: config.dns.records.filter((r) => r.name !== 'whoami-test.home.arpa') },
    };
    const hosts = routeHostsForDns(withoutCname);
    expect(hosts.map((r) => r.host)).toContain('whoami-test.home.arpa');
    const { records } = deriveDnsRecords({ ...withoutCname, routes: hosts });
    expect(records.find((r) => r.name === 'whoami-test.home.arpa')).toMatchObject({
      type: 'A',
      value: '192.168.1.101',
    });
  });
});

describe('deriveRouteTable', () => {
  it('routes of one host must serve one certificate', async () => {
    const { config } = await loadConfig(join(ROOT, 'examples', 'homelab'));
    const routes = [
      ...config.routes,
      { ...config.routes[1]!, path: '/api/', tls: { certificate: 'traefik-internal' } },
    ];
    const { diagnostics } = deriveRouteTable({ ...config, routes });
    expect(diagnostics.map((d) => d.message)).toEqual([
      'routes[2] (whoami.home.arpa/api/) serves certificate "traefik-internal", but routes[1] serves "gateway-edge" for the same host',
    ]);
  });
});
