/**
 * The `gateway.nginx` handler against a real, running nginx (private prefix, in a network
 * namespace with a TLS upstream standing in for Traefik): validate before activate, one reload
 * per change and none without, per-route plan reasons, and a route nginx refuses — reported
 * against the route, with the previous config still serving.
 */
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PhoenixConfig } from '../../config/schema.ts';
import { executePlan, handlerRegistry, makePlan } from '../../engine/index.ts';
import type { Resource } from '../../engine/handler.ts';
import { applyContext } from '../node/_sim-fixture.ts';
import { deriveGatewayResources } from './derive.ts';
import { layoutPaths } from './layout.ts';
import { nginxHandler, NGINX_KIND, type NginxDesired } from './nginx-handler.ts';
import { createLan, netnsAvailable, type NetnsLan } from './_netns.ts';
import { createNginxPrefix, findNginx, type NginxPrefix } from './_test-nginx.ts';
import { localShell } from './_local-shell.ts';
import { startTlsUpstream } from './_tls-upstream.ts';

const nginx = findNginx();
const HOST = 'app.home.arpa';
const OTHER = 'other.home.arpa';

describe.skipIf(!nginx || !netnsAvailable())('gateway.nginx handler on a real nginx', () => {
  let lan: NetnsLan;
  let prefix: NginxPrefix;
  let execs: string[][] = [];
  const shell = localShell([], (argv) => execs.push([...argv]));
  const handler = nginxHandler({
    shells: () => shell,
    resolveSecret: async (ref) => (ref === 'env:HTPASSWD' ? 'admin:$apr1$abc$def\n' : Promise.reject(new Error(ref))),
  });
  const reloads = () =>
    existsSync(join(prefix.dir, 'reloads'))
      ? readFileSync(join(prefix.dir, 'reloads'), 'utf8').split('\n').length - 1
      : 0;

  function resourceFor(routeExtras: Record<string, unknown>, more: object[] = []): Resource<NginxDesired> {
    const guest = (id: number, name: string, role: string, host: string) => ({
      id,
      name,
      node: 'pve',
      type: 'lxc',
      template: 't',
      role,
      net: [{ name: 'eth0', bridge: 'vmbr1', ip: `${lan.ip(host)}/24` }],
    });
    const config = PhoenixConfig.parse({
      version: 1,
      guests: [guest(101, 'gateway', 'gateway', 'gw'), guest(102, 'traefik', 'traefik', 'tr')],
      certificates: [{ name: 'edge', commonName: HOST, sans: [OTHER], guest: 'gateway' }],
      routes: [{ host: HOST, target: { guest: 'traefik', port: 8081 }, ...routeExtras }, ...more],
    });
    const pidFile = join(prefix.dir, 'nginx.pid');
    const { resources, diagnostics } = deriveGatewayResources(config, {
      layout: prefix.layout,
      secretGroup: 'root',
      locate: (path) => ({ file: 'edge.yaml', line: 20 + Number(path[1]), column: 5, path: path.join('.') }),
      commands: {
        test: prefix.testArgv,
        reload: ['sh', '-c', 'echo reload >> "$0" && exec "$@"', join(prefix.dir, 'reloads'), ...prefix.reloadArgv],
        isActive: ['sh', '-c', 'kill -0 "$(cat "$0")" 2>/dev/null && echo active || echo inactive', pidFile],
      },
    });
    expect(diagnostics).toEqual([]);
    return resources.find((r) => r.kind === NGINX_KIND) as Resource<NginxDesired>;
  }

  const get = (path = '/') =>
    lan.run('client', [
      'curl',
      '-sS',
      '--max-time',
      '5',
      '--cacert',
      join(prefix.dir, 'certs', 'root.pem'),
      '--resolve',
      `${HOST}:443:${lan.ip('gw')}`,
      '-D',
      '-',
      `https://${HOST}${path}`,
    ]);

  // The master's worker processes (worker_processes 1): after a reload the new worker starts
  // before the old one is told to quit, and for that moment either may accept a connection.
  const workers = (): string[] => {
    const master = readFileSync(join(prefix.dir, 'nginx.pid'), 'utf8').trim();
    return readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .filter((d) => {
        try {
          // /proc/<pid>/stat: "pid (comm) state ppid ..."
          return readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1]?.split(' ')[1] === master;
        } catch {
          return false;
        }
      });
  };

  // nginx answers with the new config once its master has started the new worker and the old
  // one has gone (seen lingering under load: one request got 401, the next the old 200);
  // bounded at 15 s.
  async function eventually(check: () => boolean): Promise<void> {
    const settled = () => workers().length === 1 && check();
    for (let i = 0; i < 150 && !settled(); i += 1) await new Promise((r) => setTimeout(r, 100));
  }

  async function plan(resource: Resource<NginxDesired>) {
    const { observed } = await handler.observe({ ctx: applyContext(), resource });
    return { observed, diff: await handler.diff({ resource, observed }) };
  }

  async function apply(resource: Resource<NginxDesired>) {
    const { observed, diff } = await plan(resource);
    const change = { address: resource.address, kind: resource.kind, action: diff.action } as never;
    if (diff.action === 'create') await handler.create({ ctx: applyContext(), resource, change });
    if (diff.action === 'update')
      await handler.update({ ctx: applyContext(), resource, observed: observed as never, change, restart: false });
    return diff;
  }

  beforeAll(async () => {
    lan = createLan({ client: 2, gw: 101, tr: 102 });
    try {
      prefix = createNginxPrefix(nginx as string, { wrap: ['ip', 'netns', 'exec', lan.ns('gw')] });
      prefix.installCertificate('edge', [HOST, OTHER]);
      await startTlsUpstream(lan, 'tr', join(prefix.dir, 'upstream'), prefix.ca.issue(HOST, [HOST]), 443, 8081, 'good');
      await prefix.start(); // nothing of Phoenix's yet: nginx runs with an empty conf.d
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

  it('first apply: creates, tests, reloads once; the route serves', async () => {
    const diff = await apply(resourceFor({ headers: { response: { 'X-Version': 'one' } } }));
    expect(diff.action).toBe('create');
    expect(diff.reasons).toEqual([`route ${HOST}/ added (-> guest traefik:8081)`]);
    expect(reloads()).toBe(1);
    await eventually(() => get().stdout.includes('x-version: one'));
    expect(get().stdout).toMatch(/^HTTP\/[\d.]+ 200[\s\S]*x-version: one/i);
  });

  it('second apply: plans nothing, writes no file, does not reload', async () => {
    const live = layoutPaths(prefix.layout).live;
    const generation = readlinkSync(live);
    const mtime = statSync(join(generation, 'http', `${HOST}.conf`)).mtimeMs;
    execs = [];
    const diff = await apply(resourceFor({ headers: { response: { 'X-Version': 'one' } } }));
    expect(diff).toMatchObject({ action: 'noop', changes: [], reasons: [] });
    expect(readlinkSync(live)).toBe(generation);
    expect(statSync(join(generation, 'http', `${HOST}.conf`)).mtimeMs).toBe(mtime);
    expect(reloads()).toBe(1);
    // Only reads ran: nothing that writes, moves or reloads.
    expect(execs.map((a) => a[0])).toEqual(expect.arrayContaining(['readlink', 'find', 'grep', 'sha256sum']));
    expect(execs.flat()).not.toContain('mv');
    expect(execs.flat()).not.toContain('reload');
  });

  it('the plan names what changes per route; --json carries routes and files', async () => {
    const { diff } = await plan(
      resourceFor({ headers: { response: { 'X-Version': 'one', 'X-Frame-Options': 'DENY' } }, maxBodySize: '8m' }),
    );
    expect(diff.action).toBe('update');
    expect(diff.reasons).toEqual([`route ${HOST}/: body size limit set to 8m, response header X-Frame-Options added`]);
    expect(diff.changes.map((c) => [c.path, c.before, c.after])).toEqual([
      [`route ${HOST}/ body size limit`, undefined, '8m'],
      [`route ${HOST}/ response header X-Frame-Options`, undefined, 'DENY'],
      [`file http/${HOST}.conf`, expect.stringMatching(/^sha256:/), expect.stringMatching(/^sha256:/)],
    ]);
  });

  it('a route nginx refuses: apply fails naming the route and nginx message; the previous config still serves', async () => {
    const live = layoutPaths(prefix.layout).live;
    const generation = readlinkSync(live);
    const bad = resourceFor({ headers: { response: { 'X-Version': 'two', 'X-Client': '$no_such_variable' } } });
    await expect(apply(bad)).rejects.toMatchObject({
      code: 'E_GATEWAY_NGINX_REFUSED',
      message: expect.stringMatching(
        new RegExp(
          `^nginx refused route ${HOST}/ \\(edge\\.yaml:20:5\\): unknown "no_such_variable" variable \\(http/${HOST}.conf:\\d+\\)$`,
        ),
      ),
    });
    expect(readlinkSync(live)).toBe(generation);
    expect(reloads()).toBe(1);
    const served = get();
    expect(served.stdout).toMatch(/^HTTP\/[\d.]+ 200[\s\S]*x-version: one/i);
    // And the next plan still wants the change: nothing half-applied is mistaken for done.
    expect((await plan(bad)).diff.action).toBe('update');
  });

  it('a refusal nginx places at file:line maps to the route through the line', async () => {
    // An allow entry the semantic checks would stop (octet > 255); parsed here without them.
    const bad = resourceFor({ allow: ['10.0.0.0/8', '300.1.1.1'] });
    await expect(apply(bad)).rejects.toMatchObject({
      message: expect.stringMatching(
        new RegExp(
          `^nginx refused route ${HOST}/ \\(edge\\.yaml:20:5\\): invalid parameter "300\\.1\\.1\\.1" \\(http/${HOST}.conf:\\d+\\)$`,
        ),
      ),
    });
    // Also with nginx's message for a header value it checks after parsing (no position given).
    const unclosed = resourceFor({ headers: { request: { 'X-Broken': '${unclosed' } } });
    await expect(apply(unclosed)).rejects.toMatchObject({
      message: expect.stringMatching(
        /^nginx refused route app\.home\.arpa\/ \(edge\.yaml:20:5\): the closing bracket in "unclosed" variable is missing/,
      ),
    });
    expect(reloads()).toBe(1);
  });

  it('a valid change applies with exactly one more reload, basic auth from the secret included', async () => {
    const diff = await apply(
      resourceFor({
        headers: { response: { 'X-Version': 'two' } },
        basicAuth: { htpasswd: 'env:HTPASSWD' },
      }),
    );
    expect(diff.reasons).toEqual([
      `route ${HOST}/: response header X-Version changed, basic auth added`,
      `basic auth users of ${HOST.replace(/\./g, '-')} change`,
    ]);
    expect(reloads()).toBe(2);
    await eventually(() => get().stdout.startsWith('HTTP/1.1 401') || get().stdout.startsWith('HTTP/2 401'));
    // On a miss, nginx's own log says whether the reload was received and why it was not taken.
    const errorLog = () =>
      readFileSync(join(prefix.dir, 'logs', 'error.log'), 'utf8')
        .split('\n')
        .slice(-25)
        .join('\n');
    expect(get().stdout, errorLog()).toMatch(/^HTTP\/[\d.]+ 401/);
    const live = layoutPaths(prefix.layout).live;
    expect(readFileSync(join(live, 'secrets', `${HOST.replace(/\./g, '-')}.htpasswd`), 'utf8')).toBe(
      'admin:$apr1$abc$def\n',
    );
    expect(
      (
        await plan(
          resourceFor({ headers: { response: { 'X-Version': 'two' } }, basicAuth: { htpasswd: 'env:HTPASSWD' } }),
        )
      ).diff.action,
    ).toBe('noop');
  });

  it('through the engine: a refused route fails the apply with the route in the error', async () => {
    const resource = { ...resourceFor({ headers: { response: { 'X-Client': '$nope' } } }), dependsOn: [] };
    const registry = handlerRegistry([handler]);
    const { plan: made, resources, observations } = await makePlan({ resources: [resource], registry });
    const result = await executePlan({ plan: made, resources, observations, registry });
    const outcome = result.outcomes.get(resource.address);
    expect(outcome?.outcome).toBe('failed');
    expect(String((outcome as { error?: unknown }).error)).toMatch(
      /nginx refused route app\.home\.arpa\/ .*unknown "nope" variable/,
    );
    expect(reloads()).toBe(2);
    writeFileSync(join(prefix.dir, 'checked'), 'ok');
  });

  it('a route removed from the config: its file goes with one reload; files Phoenix did not write stay', async () => {
    const live = layoutPaths(prefix.layout).live;
    const auth = { headers: { response: { 'X-Version': 'two' } }, basicAuth: { htpasswd: 'env:HTPASSWD' } };
    const other = { host: OTHER, target: { guest: 'traefik', port: 8081 } };
    // Someone else's files: one next to Phoenix's entry file, one inside Phoenix's live directory.
    const mine = "# not Phoenix's\nmap $host $someone_elses { default 1; }\n";
    writeFileSync(join(prefix.layout.root, 'conf.d', 'mine.conf'), "# not Phoenix's either\n");
    writeFileSync(join(live, 'http', 'zz-mine.conf'), mine);
    expect((await apply(resourceFor(auth, [other]))).reasons).toEqual([
      `route ${OTHER}/ added (-> guest traefik:8081)`,
    ]);
    expect(reloads()).toBe(3);
    expect(existsSync(join(live, 'http', `${OTHER}.conf`))).toBe(true);
    const removed = await apply(resourceFor(auth));
    expect(removed.reasons).toEqual([`route ${OTHER}/ removed`]);
    expect(removed.changes.map((c) => c.path)).toEqual([`route ${OTHER}/`, `file http/${OTHER}.conf`]);
    expect(reloads()).toBe(4);
    expect(existsSync(join(live, 'http', `${OTHER}.conf`))).toBe(false);
    expect(readFileSync(join(live, 'http', 'zz-mine.conf'), 'utf8')).toBe(mine);
    expect(readFileSync(join(prefix.layout.root, 'conf.d', 'mine.conf'), 'utf8')).toBe("# not Phoenix's either\n");
    expect((await plan(resourceFor(auth))).diff.action).toBe('noop');
    // A file of someone else's where a route's file goes: an error naming the route, never overwritten.
    writeFileSync(join(live, 'http', `${OTHER}.conf`), mine);
    const { diff } = await plan(resourceFor(auth, [other]));
    expect(diff.diagnostics?.map((d) => [d.code, d.message])).toEqual([
      [
        'E_GATEWAY_FOREIGN_FILE',
        `${live}/http/${OTHER}.conf on the gateway was not written by Phoenix: route ${OTHER}/ (edge.yaml:21:5) cannot be written without replacing it`,
      ],
    ]);
    const blocked = resourceFor(auth, [other]);
    const { observed } = await plan(blocked);
    const change = {} as never;
    await expect(
      handler.update({ ctx: applyContext(), resource: blocked, observed: observed!, change, restart: false }),
    ).rejects.toMatchObject({ code: 'E_GATEWAY_FOREIGN_FILE' });
    expect(readFileSync(join(live, 'http', `${OTHER}.conf`), 'utf8')).toBe(mine);
    expect(reloads()).toBe(4);
  });
});
