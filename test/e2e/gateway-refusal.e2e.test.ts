/**
 * The CLI as a user runs it (a child process) on the built-in simulator, with the gateway's
 * config served by a real nginx: the gateway guest's files (CT 101) run by this machine's nginx
 * inside a network namespace of its own (loopback only: nothing leaves it). A route nginx
 * refuses makes `phoenix apply` exit non-zero, name the route where it is declared and nginx's
 * own message at the generated file:line, and count one failed resource; the previous config
 * keeps serving — before and after a reload of what the guest holds now — and nothing reloaded.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { deriveGatewayResources } from '../../src/providers/gateway/derive.ts';
import { NGINX_KIND, type NginxDesired } from '../../src/providers/gateway/nginx-handler.ts';
import { netnsAvailable } from '../../src/providers/gateway/_netns.ts';
import { findNginx } from '../../src/providers/gateway/_test-nginx.ts';
import { materialiseNginx } from '../../src/sim/ssh/nginx-command.ts';
import { SimTree } from '../../src/sim/ssh/sim-tree.ts';
import { runCliChild, stackFree } from './_cli-child.ts';

const nginx = findNginx();
const LIVE = '/etc/nginx/phoenix';
const WHOAMI = '    target: { stack: whoami, service: whoami, port: 80 }\n';
const PORTAINER = '    target: { stack: portainer, service: portainer, port: 9443, scheme: https }\n';

describe.skipIf(!nginx || !netnsAvailable())('phoenix apply: a route nginx refuses, with a real nginx serving', () => {
  let dir = '';
  let prefix = '';
  let gateway: SimTree;
  let server: ChildProcess | undefined;
  let log = '';
  const ns = `phx-refusal-${process.pid}`;

  const inNs = (argv: string[]) =>
    execFileSync('ip', ['netns', 'exec', ns, ...argv], {
      encoding: 'utf8',
      timeout: 15_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  const nginxArgs = () => [
    '-p',
    `${prefix}/usr/share/nginx/`,
    '-c',
    `${prefix}/etc/nginx/nginx.conf`,
    '-e',
    `${prefix}/var/log/nginx/error.log`,
  ];
  /** The guest's nginx files as they are now, where the running nginx reads them. */
  const materialise = () => {
    rmSync(join(prefix, 'etc'), { recursive: true, force: true });
    materialiseNginx(gateway, prefix);
  };
  const get = (scheme: 'http' | 'https'): string => {
    const port = scheme === 'https' ? 443 : 80;
    try {
      return inNs([
        'curl',
        '-sS',
        '--max-time',
        '5',
        '--cacert',
        join(prefix, 'etc/phoenix/certs/root.pem'),
        '--resolve',
        `whoami.home.arpa:${port}:127.0.0.1`,
        '-o',
        '/dev/null',
        '-D',
        '-',
        `${scheme}://whoami.home.arpa/`,
      ]);
    } catch (error) {
      return `curl failed: ${String((error as { stderr?: string }).stderr ?? error)}`;
    }
  };
  async function eventually(check: () => boolean): Promise<void> {
    for (let i = 0; i < 150 && !check(); i += 1) await new Promise((r) => setTimeout(r, 100));
  }
  const apply = () => runCliChild(['apply', '--auto-approve', '-c', dir], { timeoutMs: 120_000 });
  const reloads = () => gateway.service('nginx').reloads;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'phoenix-gateway-refusal-'));
    cpSync('examples/homelab', dir, { recursive: true, filter: (src) => !src.includes('.phoenix') });
    gateway = new SimTree(join(dir, '.phoenix', 'simulator.json.d', 'guests', '101'));
    prefix = mkdtempSync(join(tmpdir(), 'phoenix-gateway-refusal-nginx-'));
    chmodSync(prefix, 0o755); // nginx's workers run as www-data
    execFileSync('ip', ['netns', 'add', ns]);
    execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    // Only loopback: the upstream (Traefik's guest address) is unreachable from here, never sent to.
    expect(() => inNs(['ip', 'route', 'get', '10.10.0.102'])).toThrow();
  });

  afterAll(async () => {
    if (server && server.exitCode === null && server.signalCode === null) {
      const exited = new Promise((r) => server?.once('exit', r));
      server.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    }
    try {
      execFileSync('ip', ['netns', 'del', ns]);
    } catch {
      // not created
    }
    rmSync(prefix, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it('first apply: the routes are live; the real nginx serves them (redirect, HSTS, the route header)', async () => {
    const edge = join(dir, 'edge.yaml');
    const text = readFileSync(edge, 'utf8');
    expect(text).toContain(WHOAMI);
    writeFileSync(edge, text.replace(WHOAMI, `${WHOAMI}    headers: { response: { X-Generation: "one" } }\n`));
    const r = await apply();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Apply complete! Resources: \d+ created, \d+ updated, 0 destroyed\./);
    materialise();
    server = spawn('ip', ['netns', 'exec', ns, nginx as string, ...nginxArgs(), '-g', 'daemon off;'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stderr?.on('data', (c: Buffer) => (log += c.toString()));
    await eventually(() => get('https').includes('x-generation'));
    // Traefik's address is unreachable in this namespace: nginx answers 502 — with the route's headers.
    expect(get('https'), log).toMatch(
      /^HTTP\/[\d.]+ 502[\s\S]*strict-transport-security: max-age=31536000[\s\S]*x-generation: one/i,
    );
    expect(get('http')).toMatch(/^HTTP\/[\d.]+ 301[\s\S]*location: https:\/\/whoami\.home\.arpa\//i);
  });

  it('a refused route: exit 1, the route at its declaration, nginx’s message at file:line, 1 failed; the old config serves', async () => {
    const generation = readlinkSync(gateway.resolveLink(LIVE));
    const before = reloads();
    const pid = readFileSync(join(prefix, 'run', 'nginx.pid'), 'utf8').trim();
    const edge = join(dir, 'edge.yaml');
    const text = readFileSync(edge, 'utf8');
    expect(text).toContain(PORTAINER);
    // A valid change (whoami's header) and a refused one (portainer's) in one apply: neither goes live.
    writeFileSync(
      edge,
      text
        .replace('X-Generation: "one"', 'X-Generation: "two"')
        .replace(PORTAINER, `${PORTAINER}    headers: { response: { X-Client: "$no_such_variable" } }\n`),
    );
    const r = await apply();
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /error: gateway\.101\.nginx: nginx refused route portainer-ui\.home\.arpa\/ \(edge\.yaml:20:5\): unknown "no_such_variable" variable \(http\/portainer-ui\.home\.arpa\.conf:\d+\)\n/,
    );
    const line = Number(/portainer-ui\.home\.arpa\.conf:(\d+)\)/.exec(r.stderr)?.[1]);
    const lines = readFileSync(gateway.resolve(`${LIVE}/http/portainer-ui.home.arpa.conf`), 'utf8').split('\n');
    expect(lines.length).toBeGreaterThan(10); // the previous file is the live one ...
    expect(lines.join('\n')).not.toContain('no_such_variable'); // ... without the refused header
    // file:line is the directive nginx refused in the file the apply generated (rendered again here).
    const { config } = await loadConfig(dir);
    const nginxResource = deriveGatewayResources(config).resources.find((x) => x.kind === NGINX_KIND);
    const refused = (nginxResource?.desired as NginxDesired).files['http/portainer-ui.home.arpa.conf'] as string;
    expect(refused.split('\n')[line - 1]).toMatch(/^\s+add_header "X-Client" "\$no_such_variable" always;$/);
    expect(r.stderr).toMatch(/hint: nothing was reloaded: the previous config keeps serving/);
    expect(r.stderr).toMatch(/Apply failed! Resources: 0 created, 0 updated, 0 destroyed, 1 failed\.\n/);
    expect(stackFree(r.stdout + r.stderr)).toBe(true);
    // Nothing changed on the guest, nothing reloaded.
    expect(readlinkSync(gateway.resolveLink(LIVE))).toBe(generation);
    expect(reloads()).toBe(before);
    // The running nginx still serves the old config — and so does a reload of what the guest holds now.
    expect(get('https')).toMatch(/x-generation: one/i);
    materialise();
    execFileSync(nginx as string, [...nginxArgs(), '-s', 'reload'], { timeout: 10_000 });
    await new Promise((r) => setTimeout(r, 500));
    expect(readFileSync(join(prefix, 'run', 'nginx.pid'), 'utf8').trim()).toBe(pid);
    const served = get('https');
    expect(served, log).toMatch(/^HTTP\/[\d.]+ 502[\s\S]*x-generation: one/i);
    expect(served).not.toMatch(/x-generation: two/i);
    expect(get('http')).toMatch(/^HTTP\/[\d.]+ 301/);
  });
});
