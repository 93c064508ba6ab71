/**
 * One Docker-level contract, two targets: a real dockerd (TLS, private namespace) and the
 * simulated Docker Engine (src/sim/docker). The same scenario must pass on both: deploy two
 * environments with their replicas, a no-op apply with zero mutating calls, a variable change
 * redeploying one environment only, hand-made scaling reverted, a missing image failing with
 * the task's own error, and prune.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerClient } from '../../clients/docker/client.ts';
import { dockerdAvailable, importBusybox, startDockerdCluster } from '../../clients/docker/_test-dockerd.ts';
import { Stack } from '../../config/schema.ts';
import { executePlan, handlerRegistry, makePlan, type Resource } from '../../engine/index.ts';
import { startSimDocker } from '../../sim/docker/engine.ts';
import { CLUSTER_ADDRESS, CLUSTER_KIND, swarmClusterHandler } from '../swarm/cluster.ts';
import { deriveStacks } from './derive.ts';
import { stacksHandler } from './handler.ts';

interface Target {
  client: DockerClient;
  address: string;
  stop(): Promise<void>;
}

const COMPOSE = `
services:
  whoami:
    image: phoenix-test/busybox:latest
    command: ["sleep", "3600"]
    environment: { LEVEL: "\${LEVEL}" }
    init: true
    stop_grace_period: 1s
    deploy: { endpoint_mode: dnsrr, replicas: 1 }
`;

const targets: Record<string, { available: () => boolean; start: (dir: string) => Promise<Target> }> = {
  'real dockerd': {
    available: dockerdAvailable,
    async start(dir) {
      const cluster = await startDockerdCluster(1);
      const node = cluster.nodes[0]!;
      await importBusybox(node, dir);
      return { client: node.client, address: node.ip, stop: cluster.stop };
    },
  },
  'simulated Docker Engine': {
    available: () => true,
    async start(dir) {
      const sim = await startSimDocker(join(dir, 'sim-docker.sock'), { taskStartMs: 50 });
      const client = new DockerClient({ socketPath: sim.socketPath });
      await client.importImage(
        (await import('node:stream')).Readable.from([Buffer.from('rootfs')]),
        'phoenix-test/busybox',
        'latest',
      );
      return { client, address: '127.0.0.1', stop: sim.close };
    },
  },
};

for (const [name, target] of Object.entries(targets)) {
  describe.skipIf(!target.available())(`stack contract: ${name}`, () => {
    let t: Target;
    let dir: string;
    let stacks: Stack[];
    let nodeName = 'node1';
    const secrets = () => ({ configDir: dir, env: {} });
    const registry = () =>
      handlerRegistry([
        swarmClusterHandler({ node: () => t.client }),
        stacksHandler({ manager: () => t.client, secrets: secrets() }),
      ]);
    const resources = async (): Promise<Resource[]> => [
      {
        address: CLUSTER_ADDRESS,
        kind: CLUSTER_KIND,
        desired: {
          nodes: [
            { name: nodeName, address: t.address, role: 'manager', labels: { zone: 'a' }, availability: 'active' },
          ],
        },
        dependsOn: [],
      },
      ...(await deriveStacks({ stacks, secrets: secrets() })),
    ];
    const plan = async (prune = false) =>
      makePlan({ resources: await resources(), registry: registry(), prune, kinds: ['swarm.stack'] });
    const apply = async (prune = false) => {
      const planned = await plan(prune);
      if (!planned.plan.applyable) throw new Error(JSON.stringify(planned.plan.diagnostics));
      const result = await executePlan({
        plan: planned.plan,
        resources: planned.resources,
        observations: planned.observations,
        registry: registry(),
        retry: { maxAttempts: 1 },
        health: { intervalMs: 100, maxIntervalMs: 500, timeoutMs: 60_000 },
      });
      return { planned, result };
    };
    const failures = (r: Awaited<ReturnType<typeof executePlan>>) =>
      [...r.outcomes.values()].filter((o) => o.error !== undefined).map((o) => `${o.address}: ${String(o.error)}`);
    const actions = (p: Awaited<ReturnType<typeof plan>>) =>
      Object.fromEntries(p.plan.changes.map((c) => [c.address, c.action]));
    const running = async (service: string) => {
      const tasks = await t.client.listTasks({ service: [service], 'desired-state': ['running'] });
      return tasks.filter((x) => x.Status.State === 'running').length;
    };

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'phoenix-contract-'));
      writeFileSync(join(dir, 'app.compose.yaml'), COMPOSE);
      writeFileSync(
        join(dir, 'broken.compose.yaml'),
        COMPOSE.replace('phoenix-test/busybox:latest', 'phoenix-test/missing:1'),
      );
      t = await target.start(dir);
      nodeName = (await t.client.info()).Name;
      stacks = [
        Stack.parse({
          name: 'whoami',
          compose: 'app.compose.yaml',
          environments: {
            production: { replicas: { whoami: 2 }, variables: { LEVEL: 'info' } },
            testing: { variables: { LEVEL: 'debug' } },
          },
        }),
      ];
    }, 120_000);
    afterAll(async () => {
      await t?.stop();
      rmSync(dir, { recursive: true, force: true });
    }, 60_000);

    it('deploys both environments with their replicas', async () => {
      const { planned, result } = await apply();
      expect(actions(planned)).toEqual({
        'swarm.cluster': 'create',
        'stack.whoami.production': 'create',
        'stack.whoami.testing': 'create',
      });
      expect(failures(result)).toEqual([]);
      expect(await running('whoami_whoami')).toBe(2);
      expect(await running('whoami-testing_whoami')).toBe(1);
      expect((await t.client.listNodes())[0]!.Spec.Labels).toEqual({ zone: 'a' });
      const labels = (await t.client.listServices()).map((s) => s.Spec.Labels?.['com.docker.stack.namespace']).sort();
      expect(labels).toEqual(['whoami', 'whoami-testing']);
    }, 120_000);

    it('makes zero mutating calls when nothing changed, and leaves a stack it did not deploy alone', async () => {
      await t.client.createService({
        Name: 'manual_app',
        Labels: { 'com.docker.stack.namespace': 'manual' },
        TaskTemplate: { ContainerSpec: { Image: 'phoenix-test/busybox:latest', Args: ['sleep', '3600'], Init: true } },
        Mode: { Replicated: { Replicas: 0 } },
      });
      t.client.resetStats();
      const { planned } = await apply(true);
      expect(planned.plan.unmanaged).toEqual([
        { address: 'stack.manual', kind: 'swarm.stack', summary: 'Swarm stack manual (1 service)' },
      ]);
      expect(Object.values(actions(planned))).toEqual(['noop', 'noop', 'noop']);
      expect(t.client.stats.mutations).toEqual([]);
    }, 60_000);

    it('redeploys only the environment whose variable changed', async () => {
      stacks[0] = Stack.parse({
        ...stacks[0],
        environments: { ...stacks[0]!.environments, testing: { variables: { LEVEL: 'trace' } } },
      });
      t.client.resetStats();
      const { planned, result } = await apply();
      expect(failures(result)).toEqual([]);
      expect(actions(planned)).toMatchObject({ 'stack.whoami.production': 'noop', 'stack.whoami.testing': 'update' });
      expect(t.client.stats.mutations).toEqual(['update-service whoami-testing_whoami']);
    }, 90_000);

    it('reverts a service scaled by hand', async () => {
      const svc = (await t.client.listServices({ name: ['whoami_whoami'] }))[0]!;
      await t.client.updateService(svc, { ...svc.Spec, Mode: { Replicated: { Replicas: 4 } } });
      const { planned, result } = await apply();
      expect(planned.plan.changes.find((c) => c.address === 'stack.whoami.production')!.reasons).toContain(
        'service whoami_whoami: 4 replicas, desired 2 (changed outside Phoenix)',
      );
      expect(failures(result)).toEqual([]);
      const after = (await t.client.listServices({ name: ['whoami_whoami'] }))[0]!;
      expect(after.Spec.Mode.Replicated.Replicas).toBe(2);
    }, 90_000);

    it("fails a missing image with the task's own error, then prunes the stack", async () => {
      stacks.push(
        Stack.parse({
          name: 'broken',
          compose: 'broken.compose.yaml',
          environments: { testing: { variables: { LEVEL: 'x' } } },
        }),
      );
      const { result } = await apply();
      expect(failures(result)).toEqual([
        expect.stringMatching(
          /^stack\.broken\.testing: .*broken-testing_whoami: task (rejected|failed): .*No such image: phoenix-test\/missing:1/,
        ),
      ]);
      stacks.pop();
      expect((await plan(false)).plan.changes.map((c) => c.address)).not.toContain('stack.broken.testing');
      t.client.resetStats();
      const pruned = await apply(true);
      expect(actions(pruned.planned)['stack.broken.testing']).toBe('delete');
      expect(failures(pruned.result)).toEqual([]);
      expect(t.client.stats.mutations).toEqual([
        'remove-service broken-testing_whoami',
        'remove-network broken-testing_default',
      ]);
    }, 120_000);
  });
}
