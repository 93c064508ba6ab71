/**
 * `traefik.config` with the real find, grep, sha256sum and rm of this machine (a local shell) on
 * a temporary directory standing in for /etc/traefik: routes removed from the config have their
 * files deleted, a file Phoenix did not write survives (and is never overwritten), a second apply
 * writes nothing, the plan speaks in routes, a file the schema refuses means nothing is written,
 * and only a static change restarts a running Traefik.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.ts';
import type { PhoenixConfig } from '../../config/schema.ts';
import type { Resource } from '../../engine/handler.ts';
import { localShell } from '../gateway/_local-shell.ts';
import type { TargetShell } from '../node/index.ts';
import { applyContext } from '../node/_sim-fixture.ts';
import { CONFIG_KIND, traefikConfigHandler, type TraefikConfigDesired } from './config-handler.ts';
import { deriveTraefikResources } from './derive.ts';
import { traefikValidators } from './schema/validate.ts';
import { DEFAULT_TRAEFIK_PATHS } from './settings.ts';

const HOMELAB = join(import.meta.dirname, '..', '..', '..', 'examples', 'homelab');
const FOREIGN = "# my own middleware, not Phoenix's\nhttp:\n  middlewares:\n    mine:\n      compress: {}\n";

let dir = '';
let execs: string[][] = [];
let active = true;

/** This machine's tools, except systemctl (no systemd here): recorded, and `is-active` answers `active`. */
function shell(): TargetShell {
  const real = localShell();
  return {
    ...real,
    exec(argv, options) {
      execs.push([...argv]);
      if (argv[0] === 'systemctl')
        return Promise.resolve({
          code: 0,
          stdout: argv[1] === 'is-active' ? (active ? 'active\n' : 'inactive\n') : '',
          stderr: '',
        });
      return real.exec(argv, options);
    },
  };
}

const handler = traefikConfigHandler({ shells: () => shell(), validators: traefikValidators });

async function desiredOf(config: PhoenixConfig): Promise<Resource<TraefikConfigDesired>> {
  const loaded = await loadConfig(HOMELAB);
  const paths = { ...DEFAULT_TRAEFIK_PATHS, staticFile: join(dir, 'traefik.yaml'), dynamicDir: join(dir, 'dynamic') };
  const { resources } = deriveTraefikResources(config, { paths, validate: traefikValidators(), locate: loaded.locate });
  return resources.find((r) => r.kind === CONFIG_KIND) as Resource<TraefikConfigDesired>;
}

async function plan(resource: Resource<TraefikConfigDesired>) {
  const ctx = applyContext();
  const { observed } = await handler.observe({ ctx, resource });
  return { observed, diff: await handler.diff({ resource, observed }) };
}

async function apply(resource: Resource<TraefikConfigDesired>) {
  const ctx = applyContext();
  const { observed, diff } = await plan(resource);
  const change = {} as never;
  if (diff.action === 'create') await handler.create({ ctx, resource, change });
  if (diff.action === 'update') await handler.update({ ctx, resource, observed: observed!, change, restart: false });
  return diff;
}

const files = () => readdirSync(join(dir, 'dynamic')).sort();
const restarts = () => execs.filter((a) => a[0] === 'systemctl' && a[1] === 'restart').length;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'phoenix-traefik-config-'));
  mkdirSync(join(dir, 'dynamic'));
  writeFileSync(join(dir, 'dynamic', 'mine.yaml'), FOREIGN);
  execs = [];
  active = true;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('traefik.config', () => {
  it('writes the static file and one file per route next to a foreign file; a second apply writes nothing', async () => {
    const { config } = await loadConfig(HOMELAB);
    const resource = await desiredOf(config);
    const first = await apply(resource);
    expect(first.action).toBe('update'); // the directory held a file already (not Phoenix's)
    expect(first.reasons).toEqual([
      'traefik route portainer-ui.home.arpa/ added (-> swarm portainer_portainer:9443 (https))',
      'traefik route whoami-test.home.arpa/ added (-> swarm whoami-testing_whoami:80 (http))',
      'traefik route whoami.home.arpa/ added (-> swarm whoami_whoami:80 (http))',
      `${join(dir, 'traefik.yaml')} is written`,
    ]);
    expect(files()).toEqual([
      'mine.yaml',
      'portainer-ui-home-arpa.yaml',
      'whoami-home-arpa.yaml',
      'whoami-test-home-arpa.yaml',
    ]);
    expect(readFileSync(join(dir, 'dynamic', 'mine.yaml'), 'utf8')).toBe(FOREIGN);
    expect(restarts()).toBe(0); // a first static write: the service resource starts Traefik
    const mtime = statSync(join(dir, 'dynamic', 'whoami-home-arpa.yaml')).mtimeMs;
    execs = [];
    const second = await apply(resource);
    expect(second).toMatchObject({ action: 'noop', reasons: [], changes: [] });
    expect(statSync(join(dir, 'dynamic', 'whoami-home-arpa.yaml')).mtimeMs).toBe(mtime);
    expect(execs.map((a) => a[0])).toEqual(['sha256sum', 'find', 'find']); // observation only
  });

  it("a route removed from the config: its file is deleted, the foreign file survives, Traefik isn't restarted", async () => {
    const { config } = await loadConfig(HOMELAB);
    await apply(await desiredOf(config));
    const fewer = { ...config, routes: config.routes.filter((r) => r.host !== 'whoami.home.arpa') };
    // whoami's environment host (whoami-test) followed the whoami route: both routes go.
    const resource = await desiredOf(fewer);
    execs = [];
    const { diff } = await plan(resource);
    expect(diff.reasons).toEqual([
      'traefik route whoami-test.home.arpa/ removed',
      'traefik route whoami.home.arpa/ removed',
    ]);
    expect(diff.changes.map((c) => c.path)).toEqual([
      'route whoami-test.home.arpa/',
      'route whoami.home.arpa/',
      `file ${join(dir, 'dynamic', 'whoami-home-arpa.yaml')}`,
      `file ${join(dir, 'dynamic', 'whoami-test-home-arpa.yaml')}`,
    ]);
    await apply(resource);
    expect(files()).toEqual(['mine.yaml', 'portainer-ui-home-arpa.yaml']);
    expect(readFileSync(join(dir, 'dynamic', 'mine.yaml'), 'utf8')).toBe(FOREIGN);
    expect(restarts()).toBe(0); // the file provider watches its directory
    expect((await plan(resource)).diff.action).toBe('noop');
  });

  it('the plan names what changes per route: an upstream, a middleware', async () => {
    const { config } = await loadConfig(HOMELAB);
    await apply(await desiredOf(config));
    const changed = {
      ...config,
      routes: config.routes.map((r) =>
        r.host === 'whoami.home.arpa' ? { ...r, target: { ...r.target, port: 8080 }, allow: ['192.168.1.0/24'] } : r,
      ),
    };
    const { diff } = await plan(await desiredOf(changed));
    expect(diff.action).toBe('update');
    expect(diff.reasons).toContain(
      'traefik route whoami.home.arpa/: upstream changed (swarm whoami_whoami:80 (http) -> swarm whoami_whoami:8080 (http)), middleware allow 192.168.1.0/24 added',
    );
    expect(diff.requiresRestart).toBe(false);
  });

  it('a foreign file where a route file goes: an error naming the route, never overwritten', async () => {
    writeFileSync(join(dir, 'dynamic', 'whoami-home-arpa.yaml'), FOREIGN);
    const { config } = await loadConfig(HOMELAB);
    const resource = await desiredOf(config);
    const { diff } = await plan(resource);
    expect(diff.diagnostics?.map((d) => [d.code, d.message])).toEqual([
      [
        'E_TRAEFIK_FOREIGN_FILE',
        `${join(dir, 'dynamic', 'whoami-home-arpa.yaml')} on the traefik guest was not written by Phoenix: route whoami.home.arpa/ (edge.yaml:23:5) cannot be written without replacing it`,
      ],
    ]);
    await expect(
      handler.update({
        ctx: applyContext(),
        resource,
        observed: (await plan(resource)).observed!,
        change: {} as never,
        restart: false,
      }),
    ).rejects.toMatchObject({ code: 'E_TRAEFIK_FOREIGN_FILE' });
    expect(readFileSync(join(dir, 'dynamic', 'whoami-home-arpa.yaml'), 'utf8')).toBe(FOREIGN);
    expect(files()).toEqual(['mine.yaml', 'whoami-home-arpa.yaml']);
  });

  it('at apply time a file the schema refuses: an error naming the route, and nothing is written', async () => {
    const { config } = await loadConfig(HOMELAB);
    const good = await desiredOf(config);
    const bad: Resource<TraefikConfigDesired> = {
      ...good,
      desired: {
        ...good.desired,
        dynamic: {
          ...good.desired.dynamic,
          'whoami-home-arpa.yaml': `${good.desired.dynamic['whoami-home-arpa.yaml']}  middlewares:\n    x:\n      noSuchMiddleware: {}\n`,
        },
      },
    };
    await expect(apply(bad)).rejects.toMatchObject({
      code: 'E_TRAEFIK_SCHEMA',
      message: expect.stringMatching(
        /^the Traefik file of route whoami\.home\.arpa\/ \(edge\.yaml:23:5\) \(.*whoami-home-arpa\.yaml\) does not validate against Traefik's schema: \/http\/middlewares\/x /,
      ),
    });
    expect(files()).toEqual(['mine.yaml']);
    expect(() => statSync(join(dir, 'traefik.yaml'))).toThrow();
  });

  it('a changed static file restarts a running Traefik once; a stopped one is not started', async () => {
    const { config } = await loadConfig(HOMELAB);
    await apply(await desiredOf(config));
    const dashboard = {
      ...config,
      platform: { ...config.platform, traefik: { ...config.platform.traefik!, dashboard: true } },
    };
    const resource = await desiredOf(dashboard);
    const { diff } = await plan(resource);
    expect(diff.reasons).toEqual([`${join(dir, 'traefik.yaml')} changes (Traefik restarts to read it)`]);
    expect(diff.requiresRestart).toBe(true);
    execs = [];
    await apply(resource);
    expect(restarts()).toBe(1);
    active = false;
    const back = await desiredOf(config);
    execs = [];
    await apply(back);
    expect(execs.filter((a) => a[0] === 'systemctl').map((a) => a[1])).toEqual(['is-active']);
  });
});
