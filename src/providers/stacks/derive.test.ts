import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Stack } from '../../config/schema.ts';
import { swarmServiceName } from '../gateway/routes.ts';
import { deriveStacks, stackNamespace, type StackDesired } from './derive.ts';

const dir = mkdtempSync(join(tmpdir(), 'phoenix-derive-stacks-'));
writeFileSync(
  join(dir, 'app.yaml'),
  'services:\n  web:\n    image: "busybox:${TAG}"\n    secrets: [token]\n    configs: [motd]\nsecrets:\n  token: { file: ./x }\nconfigs:\n  motd: { file: ./motd }\n',
);
writeFileSync(join(dir, 'motd.txt'), 'hello\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const stack = (testingTag: string, extra: Record<string, unknown> = {}) =>
  Stack.parse({
    name: 'app',
    compose: 'app.yaml',
    secrets: { token: 'env:APP_TOKEN' },
    files: [{ source: 'motd.txt', target: 'motd' }],
    environments: { production: { variables: { TAG: '1' } }, testing: { variables: { TAG: testingTag }, ...extra } },
    dependsOn: [],
  });

const derive = async (stacks: Stack[], token = 'secret-value-123') =>
  (await deriveStacks({ stacks, secrets: { configDir: dir, env: { APP_TOKEN: token } } })).map((r) => ({
    address: r.address,
    d: r.desired as StackDesired,
  }));

describe('stack environments', () => {
  it('gives one resource per environment, and a digest that moves only where something changed', async () => {
    const before = await derive([stack('1')]);
    const after = await derive([stack('2')]);
    expect(before.map((r) => [r.address, r.d.namespace])).toEqual([
      ['stack.app.production', 'app'],
      ['stack.app.testing', 'app-testing'],
    ]);
    expect(after[0]!.d.digest).toBe(before[0]!.d.digest);
    expect(after[1]!.d.digest).not.toBe(before[1]!.d.digest);
  });

  it('versions a secret by a slow salted derivation: a new value is a new version, the value appears nowhere', async () => {
    const one = await derive([stack('1')], 'secret-value-123');
    const two = await derive([stack('1')], 'secret-value-456');
    expect(one[0]!.d.secrets).toEqual([
      { source: 'token', ref: 'env:APP_TOKEN', version: expect.stringMatching(/^[0-9a-f]{12}$/) },
    ]);
    expect(two[0]!.d.secrets[0]!.version).not.toBe(one[0]!.d.secrets[0]!.version);
    // Salted per environment: equal values in two environments do not share a version.
    expect(one[1]!.d.secrets[0]!.version).not.toBe(one[0]!.d.secrets[0]!.version);
    expect(JSON.stringify(one)).not.toContain('secret-value-123');
  });

  it('names the environment and path of a mistake', async () => {
    await expect(derive([stack('1', { replicas: { api: 2 } })])).rejects.toMatchObject({
      message: 'stack app-testing: invalid compose file',
      detail: expect.stringContaining(
        'replicas given for unknown service "api" (stacks.app.environments.testing.replicas)',
      ),
    });
    const noSecret = Stack.parse({ ...stack('1'), secrets: {} });
    await expect(derive([noSecret])).rejects.toMatchObject({
      detail: expect.stringContaining(
        'app.yaml: /secrets/token: no value: add it to stacks.app.environments.production.secrets',
      ),
    });
  });
});

describe('stacks and the rest of the environment', () => {
  it('names stacks so the Swarm services are the ones the gateway routes target', () => {
    for (const env of ['production', 'testing', 'development'])
      expect(`${stackNamespace('whoami', env)}_whoami`).toBe(swarmServiceName('whoami', 'whoami', env));
  });

  it("puts the routed services' labels on them, so a route change redeploys that environment only", async () => {
    const labelled = async (port: string) =>
      (
        await deriveStacks({
          stacks: [stack('1')],
          secrets: { configDir: dir, env: { APP_TOKEN: 't' } },
          serviceLabels: {
            'app-testing_web': { 'traefik.enable': 'true', 'traefik.http.services.x.loadbalancer.server.port': port },
          },
        })
      ).map((r) => r.desired as StackDesired);
    const [prod80, test80] = await labelled('80');
    const [prod81, test81] = await labelled('81');
    expect(test80!.converted.services[0]!.Labels).toMatchObject({
      'traefik.enable': 'true',
      'traefik.http.services.x.loadbalancer.server.port': '80',
      'com.docker.stack.namespace': 'app-testing',
    });
    expect(prod80!.converted.services[0]!.Labels?.['traefik.enable']).toBeUndefined();
    expect(prod81!.digest).toBe(prod80!.digest);
    expect(test81!.digest).not.toBe(test80!.digest);
  });

  it('refuses dependsOn on a stack that is not declared, and two stacks on one Docker namespace', async () => {
    await expect(derive([Stack.parse({ ...stack('1'), dependsOn: ['db'] })])).rejects.toMatchObject({
      code: 'E_STACK_DEPENDS',
      message: 'stack app: dependsOn names db, which is not a declared stack',
    });
    const clash = Stack.parse({
      ...stack('1'),
      name: 'app-testing',
      environments: { production: { variables: { TAG: '1' } } },
    });
    await expect(derive([stack('1'), clash])).rejects.toMatchObject({ code: 'E_STACK_NAMESPACE' });
  });
});

describe('the homelab example', () => {
  it('derives every stack environment of examples/homelab', async () => {
    const { parse } = await import('yaml');
    const { readFileSync } = await import('node:fs');
    const root = join(import.meta.dirname, '../../../examples/homelab');
    // Portainer itself is the portainer provider's (platform.portainer), not a declared stack.
    const stacks = ['whoami'].flatMap((n) =>
      (parse(readFileSync(join(root, 'stacks', `${n}.yaml`), 'utf8')) as { stacks: unknown[] }).stacks.map((s) =>
        Stack.parse(s),
      ),
    );
    const resources = await deriveStacks({ stacks, secrets: { configDir: root, env: { WHOAMI_API_TOKEN: 't' } } });
    expect(resources.map((r) => [r.address, r.dependsOn])).toEqual([
      ['stack.whoami.production', []],
      ['stack.whoami.testing', []],
    ]);
    // The Swarm is a typed reference: an edge when the config declares it.
    expect(resources.every((r) => r.references?.some((x) => x.address === 'swarm.cluster'))).toBe(true);
  });
});
