/**
 * End to end on two real dockerd in two network namespaces (the two Swarm VMs): TLS with
 * client certificates, Swarm formed, overlay network, stacks with secrets and configs in two
 * environments, digest-only redeploys, a no-op second apply, drift reverted, secret rotation,
 * a failing image quoting the task's error, and prune.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executePlan, handlerRegistry, makePlan, type Resource } from '../../engine/index.ts';
import { Stack, type PhoenixConfig } from '../../config/schema.ts';
import {
  dockerdAvailable,
  importBusybox,
  startDockerdCluster,
  type DockerdCluster,
} from '../../clients/docker/_test-dockerd.ts';
import type { DockerClient } from '../../clients/docker/client.ts';
import { swarmClusterHandler } from '../swarm/cluster.ts';
import { deriveSwarm } from '../swarm/derive.ts';
import { swarmNetworkHandler } from '../swarm/network.ts';
import { deriveStacks, type StackDesired } from './derive.ts';
import { stacksHandler } from './handler.ts';
import { stackStatus } from './status.ts';

const TOKEN_1 = 'canary-token-d9f1c2e7a4b8';
const TOKEN_2 = 'canary-token-rotated-77e1f0';

const COMPOSE = `
services:
  whoami:
    image: phoenix-test/busybox:latest
    command: ["sh", "-c", "mkdir -p /www && cat /motd > /www/index.html && echo \\"$$GREETING\\" >> /www/index.html && test -s /run/secrets/api_token && exec httpd -f -p 8080 -h /www"]
    environment:
      GREETING: \${GREETING}
    init: true
    stop_grace_period: 1s
    ports:
      - { target: 8080, published: "\${PORT}", mode: host }
    networks: [app, backbone]
    secrets: [api_token]
    configs: [{ source: motd, target: /motd }]
    deploy:
      endpoint_mode: dnsrr
      replicas: 1
      labels:
        example.role: whoami
networks:
  app: {}
  backbone: { external: true }
secrets:
  api_token: { external: false, file: ./unused }
configs:
  motd: { file: ./motd.txt }
`;

const BROKEN = `
services:
  app:
    image: phoenix-test/missing:1
    init: true
    stop_grace_period: 1s
    deploy: { endpoint_mode: dnsrr }
`;

describe.skipIf(!dockerdAvailable())('Swarm and stacks on two real dockerd', () => {
  let cluster: DockerdCluster;
  let dir: string;
  let manager: DockerClient;
  const secretEnv: Record<string, string | undefined> = { WHOAMI_TOKEN: TOKEN_1 };
  let stacks: Stack[];
  let swarmConfig: Pick<PhoenixConfig, 'guests' | 'platform' | 'cluster'>;
  const registry = () =>
    handlerRegistry([
      swarmClusterHandler({ node: (name) => cluster.nodes.find((n) => n.name === name)!.client }),
      swarmNetworkHandler(() => manager),
      stacksHandler({ manager: () => manager, secrets: { configDir: dir, env: secretEnv } }),
    ]);
  const resources = async (): Promise<Resource[]> => [
    // The daemons are started by the test (not installed by Phoenix): no engine resources.
    ...deriveSwarm(swarmConfig, { engines: false }),
    ...(await deriveStacks({ stacks, secrets: { configDir: dir, env: secretEnv } })),
  ];
  const plan = async (prune = false) =>
    makePlan({ resources: await resources(), registry: registry(), prune, kinds: ['swarm.stack'] });
  const apply = async (prune = false) => {
    const planned = await plan(prune);
    if (planned.plan.applyable === false)
      throw new Error(`plan not applyable: ${JSON.stringify(planned.plan.diagnostics)}`);
    const result = await executePlan({
      plan: planned.plan,
      resources: planned.resources,
      observations: planned.observations,
      registry: registry(),
      health: { intervalMs: 250, maxIntervalMs: 1000, timeoutMs: 60_000 },
      retry: { maxAttempts: 1 },
    });
    return { planned, result };
  };
  const failures = (result: Awaited<ReturnType<typeof executePlan>>) =>
    [...result.outcomes.values()].filter((o) => o.error !== undefined).map((o) => `${o.address}: ${String(o.error)}`);
  const resetStats = () => cluster.nodes.forEach((n) => n.client.resetStats());
  const mutations = () => cluster.nodes.flatMap((n) => n.client.stats.mutations);
  const actions = (p: Awaited<ReturnType<typeof plan>>) =>
    Object.fromEntries(p.plan.changes.map((c) => [c.address, c.action]));
  const running = async (service: string) => {
    const svc = (await manager.listServices({ name: [service] })).find((s) => s.Spec.Name === service)!;
    const tasks = await manager.listTasks({ service: [service], 'desired-state': ['running'] });
    return {
      desired: svc.Spec.Mode.Replicated?.Replicas as number,
      running: tasks.filter((t) => t.Status.State === 'running').length,
    };
  };

  beforeAll(async () => {
    cluster = await startDockerdCluster(2);
    manager = cluster.nodes[0]!.client;
    dir = mkdtempSync(join(tmpdir(), 'phoenix-stacks-'));
    writeFileSync(join(dir, 'whoami.compose.yaml'), COMPOSE);
    writeFileSync(join(dir, 'broken.compose.yaml'), BROKEN);
    writeFileSync(join(dir, 'motd.txt'), 'hello from phoenix\n');
    for (const node of cluster.nodes) await importBusybox(node, dir);
    swarmConfig = {
      cluster: { domain: 'test', nodes: [{ name: 'pve' }], placement: { policy: 'spread', antiAffinity: [] } },
      guests: cluster.nodes.map((n, i) => ({
        name: n.name,
        role: i === 0 ? 'swarm-manager' : 'swarm-worker',
        net: [{ name: 'eth0', bridge: 'vmbr0', ip: `${n.ip}/24` }],
      })) as unknown as PhoenixConfig['guests'],
      platform: {
        swarm: {
          advertiseInterface: 'eth0',
          nodes: { node2: { labels: { tier: 'apps' }, availability: 'active' } },
          networks: [{ name: 'backbone', attachable: true, encrypted: true }],
        },
      } as PhoenixConfig['platform'],
    };
    stacks = [
      Stack.parse({
        name: 'whoami',
        compose: 'whoami.compose.yaml',
        variables: { GREETING: 'hi' },
        secrets: { api_token: 'env:WHOAMI_TOKEN' },
        files: [{ source: 'motd.txt', target: 'motd' }],
        environments: {
          production: { replicas: { whoami: 2 }, variables: { PORT: 18080 } },
          testing: { replicas: { whoami: 1 }, variables: { PORT: 18081 } },
        },
      }),
    ];
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('refuses a client without a certificate', async () => {
    const node = cluster.nodes[1]!;
    const outcome = await new Promise<string>((resolve) => {
      const req = request(
        { host: node.ip, port: 2376, path: '/v1.41/info', ca: cluster.tls.ca, timeout: 10_000 },
        (res) => resolve(`status ${res.statusCode}`),
      );
      req.on('error', (error) => resolve(`error ${error.message}`));
      req.end();
    });
    expect(outcome).toMatch(/^error /);
  });

  it('forms the Swarm, creates the network and deploys both environments with their replicas', async () => {
    const { planned, result } = await apply();
    expect(actions(planned)).toEqual({
      'swarm.cluster': 'create',
      'swarm.network.backbone': 'create',
      'stack.whoami.production': 'create',
      'stack.whoami.testing': 'create',
    });
    expect([...result.outcomes.values()].map((o) => [o.address, o.outcome, String(o.error ?? '')])).toEqual(
      expect.arrayContaining([['stack.whoami.testing', 'created', '']]),
    );
    expect(failures(result)).toEqual([]);
    const nodes = await manager.listNodes();
    expect(nodes.map((n) => [n.Description.Hostname, n.Spec.Role, n.Status.State]).sort()).toEqual([
      ['node1', 'manager', 'ready'],
      ['node2', 'worker', 'ready'],
    ]);
    expect(nodes.find((n) => n.Description.Hostname === 'node2')!.Spec.Labels).toEqual({ tier: 'apps' });
    const backbone = (await manager.listNetworks({ name: ['backbone'] }))[0]!;
    expect([backbone.Driver, backbone.Scope, backbone.Attachable, 'encrypted' in (backbone.Options ?? {})]).toEqual([
      'overlay',
      'swarm',
      true,
      true,
    ]);
    expect(await running('whoami_whoami')).toEqual({ desired: 2, running: 2 });
    expect(await running('whoami-testing_whoami')).toEqual({ desired: 1, running: 1 });
    // The docker CLI sees them as stacks (the labels `docker stack deploy` sets).
    const ls = spawnSync(
      '/usr/bin/docker',
      ['-H', `unix://${cluster.nodes[0]!.socket}`, 'stack', 'ls', '--format', '{{.Name}} {{.Services}}'],
      { encoding: 'utf8', timeout: 20_000 },
    );
    expect(ls.stdout.trim().split('\n').sort()).toEqual(['whoami 1', 'whoami-testing 1']);
    // The worker join token appears in no plan, observation or call log.
    const joinToken = (await manager.swarmInspect()).JoinTokens.Worker;
    expect(
      JSON.stringify({ plan: planned.plan, observed: [...planned.observations.values()], calls: mutations() }),
    ).not.toContain(joinToken);
    const secrets = (await manager.listSecrets()).map((s) => s.Spec.Name).sort();
    expect(secrets).toHaveLength(2);
    expect(secrets.filter((n) => /^whoami_api_token_[0-9a-f]{12}$/.test(n))).toHaveLength(1);
  }, 120_000);

  it('makes zero mutating Docker calls on a second apply', async () => {
    resetStats();
    const { planned, result } = await apply();
    expect(planned.plan.changes.every((c) => c.action === 'noop')).toBe(true);
    expect(failures(result)).toEqual([]);
    expect(mutations()).toEqual([]);
    const total = cluster.nodes.reduce((sum, n) => sum + n.client.stats.total, 0);
    // One info + one node list for the Swarm, one overlay list, one service list for all stacks.
    expect(total).toBeLessThanOrEqual(4);
  }, 60_000);

  it('redeploys only the stack environment whose variable changed', async () => {
    stacks[0] = Stack.parse({
      ...stacks[0],
      environments: {
        ...stacks[0]!.environments,
        testing: { ...stacks[0]!.environments.testing!, variables: { PORT: 18081, GREETING: 'changed' } },
      },
    });
    resetStats();
    const { planned, result } = await apply();
    expect(actions(planned)['stack.whoami.testing']).toBe('update');
    expect(actions(planned)['stack.whoami.production']).toBe('noop');
    expect(failures(result)).toEqual([]);
    expect(mutations()).toEqual(['update-service whoami-testing_whoami']);
  }, 90_000);

  it('reports a service scaled by hand as drift and reverts it', async () => {
    const svc = (await manager.listServices({ name: ['whoami_whoami'] }))[0]!;
    await manager.updateService(svc, { ...svc.Spec, Mode: { Replicated: { Replicas: 3 } } });
    const planned = await plan();
    const rows = await stackStatus(
      manager,
      planned.plan.changes
        .filter((c) => c.kind === 'swarm.stack')
        .map((c) => planned.resources.get(c.address)!.desired as StackDesired),
    );
    expect(rows.map((r) => [r.service, r.state, r.desired, r.reasons.join('; ')])).toEqual([
      ['whoami_whoami', 'drifted', 3, 'replicas 3, declared 2'],
      ['whoami-testing_whoami', 'in sync', 1, ''],
    ]);
    const change = planned.plan.changes.find((c) => c.address === 'stack.whoami.production')!;
    expect(change.action).toBe('update');
    expect(change.reasons).toContain('service whoami_whoami: 3 replicas, desired 2 (changed outside Phoenix)');
    const { result } = await apply();
    expect([...result.outcomes.values()].map((o) => `${o.address} ${o.outcome} ${String(o.error ?? '')}`)).toContain(
      'stack.whoami.production updated ',
    );
    expect((await running('whoami_whoami')).desired).toBe(2);
    expect(actions(await plan())['stack.whoami.production']).toBe('noop');
  }, 90_000);

  it('rotates a secret as a new version, then removes the old one', async () => {
    const before = (await manager.listSecrets()).map((s) => s.Spec.Name).filter((n) => n.startsWith('whoami-testing_'));
    secretEnv.WHOAMI_TOKEN = TOKEN_2;
    resetStats();
    const { planned, result } = await apply();
    expect(failures(result)).toEqual([]);
    expect(actions(planned)['stack.whoami.testing']).toBe('update');
    const after = (await manager.listSecrets()).map((s) => s.Spec.Name).filter((n) => n.startsWith('whoami-testing_'));
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe(before[0]);
    // Per environment: the new version first, then the service moves to it, then the old one goes.
    for (const ns of ['whoami', 'whoami-testing']) {
      const mine = mutations().filter((m) => m.includes(`${ns}_`));
      expect(mine.map((m) => m.replace(/_[0-9a-f]{12}$/, ''))).toEqual([
        `create-secret ${ns}_api_token`,
        `update-service ${ns}_whoami`,
        `remove-secret ${ns}_api_token`,
      ]);
    }
    // Canary: the values never reach the plan, the call log or the observations.
    const text = JSON.stringify({
      plan: planned.plan,
      calls: mutations(),
      observed: [...planned.observations.values()],
    });
    expect(text).not.toContain(TOKEN_1);
    expect(text).not.toContain(TOKEN_2);
  }, 120_000);

  it('fails a stack whose image cannot run, quoting the task error', async () => {
    stacks.push(Stack.parse({ name: 'broken', compose: 'broken.compose.yaml', environments: { testing: {} } }));
    const { result } = await apply();
    const outcome = result.outcomes.get('stack.broken.testing')!;
    expect(outcome.outcome).toBe('failed');
    expect(String((outcome.error as Error).message)).toMatch(
      /broken-testing_app: task (rejected|failed): .*No such image: phoenix-test\/missing:1/,
    );
    stacks.pop();
  }, 120_000);

  it('deletes a stack removed from the config only with prune', async () => {
    const without = await plan(false);
    expect(without.plan.changes.find((c) => c.address === 'stack.broken.testing')).toBeUndefined();
    resetStats();
    const { planned, result } = await apply(true);
    expect(actions(planned)['stack.broken.testing']).toBe('delete');
    expect(failures(result)).toEqual([]);
    expect(await manager.listServices({ label: ['com.docker.stack.namespace=broken-testing'] })).toEqual([]);
    expect(mutations()).toContain('remove-service broken-testing_app');
    expect(mutations().some((m) => m.includes('whoami'))).toBe(false);
  }, 120_000);
});
