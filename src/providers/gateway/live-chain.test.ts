/**
 * The live chain, inside network namespaces made for this test: curl (trusting only the
 * internal root, resolving through the real dnsmasq configured from Phoenix's DNS records) →
 * the real nginx with Phoenix's generated config → a TLS upstream standing in for Traefik (its
 * own certificate from the same CA) → a backend. Plain HTTP is redirected, HSTS is sent, and an
 * upstream whose certificate comes from another CA is refused by nginx.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PhoenixConfig } from '../../config/schema.ts';
import { findPeer } from '../../clients/ssh/_test-peers.ts';
import { deriveDnsRecords } from '../node/dns/records.ts';
import { renderDnsmasq } from '../node/dns/render.ts';
import { deriveRouteTable } from './routes.ts';
import { renderNginx, type GatewaySettings } from './render-nginx.ts';
import { gatewaySettings } from './settings.ts';
import { createLan, netnsAvailable, type NetnsLan } from './_netns.ts';
import { createNginxPrefix, findNginx, type NginxPrefix } from './_test-nginx.ts';
import { createTestCa } from './_test-ca.ts';
import { startTlsUpstream } from './_tls-upstream.ts';

const nginx = findNginx();
const dnsmasq = findPeer('/usr/sbin/dnsmasq');
const HOST = 'app.home.arpa';
const PT_HOST = 'pt.home.arpa';

function liveConfig(lan: NetnsLan): PhoenixConfig {
  const guest = (id: number, name: string, role: string | undefined, host: string) => ({
    id,
    name,
    node: 'pve',
    type: 'lxc',
    template: 't',
    role,
    net: [{ name: 'eth0', bridge: 'vmbr1', ip: `${lan.ip(host)}/24` }],
  });
  return PhoenixConfig.parse({
    version: 1,
    cluster: { domain: 'home.arpa', nodes: [{ name: 'pve', address: lan.hubIp }] },
    guests: [guest(101, 'gateway', 'gateway', 'gw'), guest(102, 'traefik', 'traefik', 'tr')],
    certificates: [{ name: 'edge', commonName: HOST, guest: 'gateway' }],
    routes: [
      {
        host: HOST,
        target: { guest: 'traefik', port: 8081 },
        headers: { response: { 'X-Phoenix-Route': 'app' } },
      },
      // TLS pass-through: nginx routes by SNI and never terminates; the upstream's own certificate reaches curl.
      { host: PT_HOST, target: { guest: 'traefik', port: 8443 }, passthrough: { protocol: 'tls', port: 8443 } },
    ],
  });
}

describe.skipIf(!nginx || !dnsmasq || !netnsAvailable())('live chain in network namespaces', () => {
  let lan: NetnsLan;
  let prefix: NginxPrefix;
  let settings: GatewaySettings;
  let config: PhoenixConfig;
  let clientDir: string;

  /** curl inside the client namespace, with a private resolv.conf pointing at dnsmasq (no /etc change). */
  const curl = (args: string[]) =>
    lan.run('client', [
      'unshare',
      '--mount',
      'sh',
      '-c',
      'mount --bind "$0" /etc/resolv.conf && exec curl -sS --max-time 10 "$@"',
      join(clientDir, 'resolv.conf'),
      ...args,
    ]);

  beforeAll(async () => {
    lan = createLan({ client: 2, gw: 101, tr: 102 });
    try {
      config = liveConfig(lan);
      prefix = createNginxPrefix(nginx as string, { wrap: ['ip', 'netns', 'exec', lan.ns('gw')] });
      clientDir = join(prefix.dir, 'client');
      mkdirSync(clientDir, { recursive: true });
      writeFileSync(join(clientDir, 'resolv.conf'), `nameserver ${lan.hubIp}\n`);
      writeFileSync(join(clientDir, 'root.pem'), prefix.ca.root);

      // DNS: the node's dnsmasq, configured from Phoenix's records, answering on the hub (the "node").
      const dns = deriveDnsRecords({ ...config, routes: config.routes });
      const dnsDir = join(prefix.dir, 'dns');
      mkdirSync(dnsDir, { recursive: true });
      chmodSync(dnsDir, 0o755);
      const rendered = renderDnsmasq(dns.domain, dns.records, join(dnsDir, 'hosts'));
      writeFileSync(join(dnsDir, 'hosts'), rendered.hosts);
      writeFileSync(join(dnsDir, 'phoenix.conf'), rendered.conf);
      const dnsProcess = lan.spawnIn('hub', [
        dnsmasq as string,
        '-k',
        `--conf-file=${join(dnsDir, 'phoenix.conf')}`,
        `--listen-address=${lan.hubIp}`,
        '--bind-interfaces',
        '--no-resolv',
        '--no-hosts',
        '--pid-file=',
        '--log-facility=-',
      ]);

      // Traefik's stand-in: TLS with its own certificate from the same CA, forwarding to a backend.
      const upstreamCert = prefix.ca.issue(HOST, [HOST]);
      await startTlsUpstream(lan, 'tr', join(prefix.dir, 'upstream'), upstreamCert, 443, 8081, 'good');
      await startTlsUpstream(
        lan,
        'tr',
        join(prefix.dir, 'pt'),
        prefix.ca.issue(PT_HOST, [PT_HOST]),
        8443,
        8083,
        'passthrough',
      );
      // Another CA's certificate for the same name, on another port (used once, below).
      const otherCa = createTestCa(join(prefix.dir, 'other-ca'), 'Somebody Else CA');
      await startTlsUpstream(lan, 'tr', join(prefix.dir, 'evil'), otherCa.issue(HOST, [HOST]), 4443, 8082, 'evil');

      prefix.installCertificate('edge', [HOST]);
      settings = gatewaySettings(config).settings as GatewaySettings;
      const table = deriveRouteTable(config);
      expect(table.diagnostics).toEqual([]);
      prefix.writeRender(renderNginx(table.routes, prefix.layout, settings));
      expect(prefix.test()).toEqual({ code: 0, output: '' });
      await prefix.start();
      for (let i = 0; i < 50; i += 1) {
        const answer = lan.run('client', ['dig', '+short', '+time=1', '+tries=1', `@${lan.hubIp}`, HOST]);
        if (answer.stdout.trim() === lan.ip('gw')) return;
        if (dnsProcess.exitCode !== null) throw new Error(`dnsmasq exited: ${dnsProcess.log()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`dnsmasq does not answer ${HOST}: ${dnsProcess.log()}`);
    } catch (error) {
      await prefix?.cleanup();
      await lan.destroy();
      throw error;
    }
  }, 60_000);

  afterAll(async () => {
    await prefix?.cleanup();
    await lan?.destroy();
  });

  it('HTTPS through the chain: the answer arrives, with HSTS and the route header; SNI and forwarded headers reach the upstream', () => {
    const result = curl(['--cacert', join(clientDir, 'root.pem'), '-D', '-', `https://${HOST}/hello?x=1`]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const [head = '', body = ''] = result.stdout.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/[\d.]+ 200/);
    expect(head).toMatch(/strict-transport-security: max-age=31536000/i);
    expect(head).toMatch(/x-phoenix-route: app/i);
    const seen = JSON.parse(body) as Record<string, string>;
    expect(seen).toMatchObject({
      upstream: 'good',
      sni: HOST,
      url: '/hello?x=1',
      host: HOST,
      proto: 'https',
      forwardedFor: lan.ip('client'),
    });
  });

  it('a client that does not trust the internal root is refused the connection', () => {
    const result = curl([`https://${HOST}/`]);
    expect(result.code).toBe(60); // curl: peer certificate cannot be authenticated
  });

  it('TLS pass-through: routed by SNI through nginx stream, the upstream terminates TLS with its own certificate', () => {
    // The gateway certificate names only app.home.arpa: verification of pt.home.arpa succeeds only
    // if the TLS session reaches the upstream untouched.
    const result = curl(['--cacert', join(clientDir, 'root.pem'), `https://${PT_HOST}:8443/through`]);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toMatchObject({ upstream: 'passthrough', sni: PT_HOST, url: '/through' });
  });

  it('plain HTTP is redirected to HTTPS', () => {
    const result = curl(['-o', '/dev/null', '-w', '%{http_code} %{redirect_url}', `http://${HOST}/a/b?c=d`]);
    expect(result.stdout).toBe(`301 https://${HOST}/a/b?c=d`);
  });

  it('an upstream with a certificate from another CA is refused by nginx (verification is on)', async () => {
    const evil = { ...settings, upstream: { ...settings.upstream, tlsPort: 4443 } };
    prefix.writeRender(renderNginx(deriveRouteTable(config).routes, prefix.layout, evil));
    await prefix.reload();
    const result = curl(['--cacert', join(clientDir, 'root.pem'), '-D', '-', `https://${HOST}/`]);
    expect(result.stdout).toMatch(/^HTTP\/[\d.]+ 502/);
    expect(result.stdout).not.toContain('"upstream":"evil"');
    expect(prefix.errorLog()).toMatch(/upstream SSL certificate verify error/);
  });
});
