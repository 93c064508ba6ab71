/**
 * `phoenix up` on examples/homelab with the built-in simulator applies the routes: the pki
 * provider issues the gateway's certificate with the simulated step-ca and installs it (and the
 * internal root) where nginx reads them, then the gateway's
 * nginx files land in the simulated CT 101 and the real nginx of this machine checks them
 * (`nginx -t` in the guest), nginx reloads exactly once; Traefik is installed in CT 102 from
 * the declared release, checksum-verified, served by the simulator (never the network). A second
 * `up` writes and reloads nothing. A route nginx refuses fails the apply, naming the route and
 * nginx's message, with the previous files still in place and no reload.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPeer } from '../../src/clients/ssh/_test-peers.ts';
import { runCli } from '../../src/config/__fixtures__/run-cli.ts';
import { rootIssuesChain } from '../../src/providers/pki/certificate-facts.ts';
import { runCommandLine } from '../../src/sim/ssh/interpreter.ts';
import { SimTree } from '../../src/sim/ssh/sim-tree.ts';

/** A simulated guest's root filesystem under the config's simulator state. */
const simGuestRoot = (configDir: string, vmid: number): string =>
  join(configDir, '.phoenix', 'simulator.json.d', 'guests', String(vmid));

const nginx = findPeer('/usr/sbin/nginx');
let dir = '';
let gateway: SimTree;
let traefik: SimTree;
const LIVE = '/etc/nginx/phoenix';

async function up(): Promise<{ code: number; out: string; err: string }> {
  const { code, stdout, stderr } = await runCli(['up', '-c', dir, '--speed', '0']);
  return { code, out: stdout, err: stderr };
}

/** Runs a command in the simulated guest, as the providers' `pct exec` does. */
const inGuest = (tree: SimTree, line: string) =>
  runCommandLine(
    { node: 'pve', tree, guests: { guestExists: () => false, guestRunning: () => false }, guestTree: () => tree },
    line,
    Buffer.alloc(0),
  );

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'phoenix-gateway-sim-'));
  cpSync('examples/homelab', dir, { recursive: true, filter: (src) => !src.includes('.phoenix') });
  gateway = new SimTree(simGuestRoot(dir, 101));
  traefik = new SimTree(simGuestRoot(dir, 102));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!nginx)('routes on the built-in simulator', () => {
  let generation = '';
  let mtime = 0;

  it('up applies them: nginx files in CT 101 accepted by the real nginx, one reload; Traefik installed in CT 102', async () => {
    const r = await up();
    expect(r.code, r.err).toBe(0);
    expect(r.err).not.toMatch(/W_ROUTES_NOT_APPLIED|not applied/);
    expect(r.err).toMatch(/cert\.gateway-edge: created/);
    expect(r.err).toMatch(/gateway\.101\.nginx: created/);
    // The certificate nginx serves: issued by the CA in CT 103 (leaf + intermediate), the root next to it.
    const chain = readFileSync(gateway.resolve('/etc/phoenix/certs/gateway-edge/fullchain.pem'), 'utf8');
    const root = readFileSync(gateway.resolve('/etc/phoenix/certs/root.pem'), 'utf8');
    expect(chain.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    expect(rootIssuesChain(root, chain)).toBe(true);
    expect(statSync(gateway.resolve('/etc/phoenix/certs/root.pem')).mode & 0o777).toBe(0o644);
    expect(statSync(gateway.resolve('/etc/phoenix/certs/gateway-edge/key.pem')).mode & 0o777).toBe(0o600);
    generation = readlinkSync(gateway.resolveLink(LIVE));
    expect(generation).toMatch(/^\/etc\/nginx\/phoenix\.d\/g-/);
    const site = readFileSync(gateway.resolve(`${LIVE}/http/whoami.home.arpa.conf`), 'utf8');
    expect(site).toMatch(/proxy_ssl_verify\s+on;/);
    expect(readFileSync(gateway.resolve('/etc/nginx/conf.d/phoenix.conf'), 'utf8')).toContain(
      `include ${LIVE}/http/*.conf;`,
    );
    mtime = statSync(gateway.resolve(`${LIVE}/http/whoami.home.arpa.conf`)).mtimeMs;
    // The check the apply relied on is the real nginx's (its own words, the guest's paths).
    const check = inGuest(gateway, 'nginx -t');
    expect(check.code, check.stderr).toBe(0);
    expect(check.stderr).toContain('nginx: configuration file /etc/nginx/nginx.conf test is successful');
    expect(gateway.service('nginx')).toMatchObject({ active: true, reloads: 1, restarts: 0 });
    // Traefik: the declared archive, verified, unpacked, in place; its files and unit written.
    expect(inGuest(traefik, 'test -x /usr/local/bin/traefik').code).toBe(0);
    expect(readFileSync(traefik.resolve('/usr/local/bin/traefik'), 'utf8')).toMatch(/Version: +3\.1\.2/);
    expect(readFileSync(traefik.resolve('/usr/local/lib/phoenix/traefik.source'), 'utf8')).toMatch(/^sha256:7f49b66f/);
    expect(readFileSync(traefik.resolve('/etc/traefik/traefik.yaml'), 'utf8')).not.toMatch(/insecureSkipVerify: true/);
    expect(traefik.service('traefik').active).toBe(true);
    // Portainer answers over https: verified as the name on its certificate against the internal root.
    const portainer = readFileSync(traefik.resolve('/etc/traefik/dynamic/portainer-ui-home-arpa.yaml'), 'utf8');
    expect(portainer).toMatch(
      /serverName: portainer\.internal\.home\.arpa\n\s+rootCAs:\n\s+- \/etc\/phoenix\/certs\/root\.pem/,
    );
    expect(inGuest(traefik, 'find /tmp -name .phoenix-traefik-*').stdout).toBe('');
  });

  it('a second up writes nothing and reloads nothing', async () => {
    const r = await up();
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/already up and in sync/);
    expect(readlinkSync(gateway.resolveLink(LIVE))).toBe(generation);
    expect(statSync(gateway.resolve(`${LIVE}/http/whoami.home.arpa.conf`)).mtimeMs).toBe(mtime);
    expect(gateway.service('nginx').reloads).toBe(1);
    expect(traefik.service('traefik').restarts).toBe(0);
  });

  it('a route nginx refuses: up fails naming the route and nginx’s message; the previous files stay, no reload', async () => {
    const edge = join(dir, 'edge.yaml');
    const text = readFileSync(edge, 'utf8');
    const route =
      '  - host: portainer-ui.home.arpa\n    target: { stack: portainer, service: portainer, port: 9443, scheme: https }\n';
    expect(text).toContain(route);
    writeFileSync(edge, text.replace(route, `${route}    headers: { response: { X-Client: "$no_such_variable" } }\n`));
    const before = readFileSync(gateway.resolve(`${LIVE}/http/portainer-ui.home.arpa.conf`), 'utf8');
    const r = await up();
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(
      /nginx refused route portainer-ui\.home\.arpa\/ \(edge\.yaml:20:5\): unknown "no_such_variable" variable/,
    );
    expect(readlinkSync(gateway.resolveLink(LIVE))).toBe(generation);
    expect(readFileSync(gateway.resolve(`${LIVE}/http/portainer-ui.home.arpa.conf`), 'utf8')).toBe(before);
    expect(inGuest(gateway, 'find /etc/nginx/phoenix.d -mindepth 1 -maxdepth 1').stdout).toBe(`${generation}\n`);
    expect(gateway.service('nginx').reloads).toBe(1);
    expect(inGuest(gateway, 'nginx -t -q').code).toBe(0);
    writeFileSync(edge, text);
  });

  it('a route removed: its nginx and Traefik files go (one reload, no Traefik restart); files Phoenix did not write stay', async () => {
    const edge = join(dir, 'edge.yaml');
    const text = readFileSync(edge, 'utf8');
    const route =
      '  - host: whoami.home.arpa\n    target: { stack: whoami, service: whoami, port: 80 }\n    tls: { certificate: gateway-edge }\n';
    expect(text).toContain(route);
    writeFileSync(edge, text.replace(route, ''));
    const foreign = '# my own dynamic config\nhttp:\n  middlewares:\n    mine:\n      compress: {}\n';
    writeFileSync(traefik.resolve('/etc/traefik/dynamic/mine.yaml'), foreign);
    const r = await up();
    expect(r.code, r.err).toBe(0);
    expect(readdirSync(gateway.resolve(`${LIVE}/http`)).sort()).toEqual([
      '00-phoenix.conf',
      'portainer-ui.home.arpa.conf',
    ]);
    expect(gateway.service('nginx').reloads).toBe(2);
    // whoami's environment host (whoami-test) was routed like whoami: both files go.
    expect(readdirSync(traefik.resolve('/etc/traefik/dynamic')).sort()).toEqual([
      'mine.yaml',
      'portainer-ui-home-arpa.yaml',
    ]);
    expect(readFileSync(traefik.resolve('/etc/traefik/dynamic/mine.yaml'), 'utf8')).toBe(foreign);
    expect(traefik.service('traefik').restarts).toBe(0);
    expect((await up()).err).toMatch(/already up and in sync/);
  });
});
