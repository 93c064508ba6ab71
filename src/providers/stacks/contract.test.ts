/**
 * One Docker-level contract, two targets: two real dockerd (TLS, one network namespace each:
 * a manager and a worker) and two simulated Docker Engines on one simulated network
 * (src/sim/docker). The same scenario must pass on both: the Swarm formed over manager and
 * worker with their node labels, two environments deployed with their replicas, a no-op apply
 * with zero mutating calls, a variable change redeploying one environment only, hand-made
 * scaling reverted, a missing image failing with the task's own error, and prune. On the
 * simulator every request and answer is also checked against the Engine API document (v1.41).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerClient } from '../../clients/docker/client.ts';
import { dockerdAvailable, importBusybox, startDockerdCluster } from '../../clients/docker/_test-dockerd.ts';
import { Stack } from '../../config/schema.ts';
import { executePlan, handlerRegistry, makePlan, type Resource } from '../../engine/index.ts';
import { loadDockerApiSchema, type ApiViolation } from '../../sim/docker/api-schema.ts';
import { serveSimDocker, SimDockerHosts } from '../../sim/docker/engine.ts';
import { CLUSTER_ADDRESS, CLUSTER_KIND, swarmClusterHandler } from '../swarm/cluster.ts';
import { deriveStacks } from './derive.ts';
import { stacksHandler } from './handler.ts';

interface Node {
  client: DockerClient;
  address: string;
}
interface Target {
  manager: Node;
  worker: Node;
  /** Requests or answers that do not conform to the API document (the simulator only). */
  violations: ApiViolation[];
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

const targets: Record<string, { available: () => boolean; start: (dir: string) => Promise<Target>; checksApi?: true }> =
  {
    'two real dockerd': {
      available: dockerdAvailable,
      async start(dir) {
        const cluster = await startDockerdCluster(2);
        for (const node of cluster.nodes) await importBusybox(node, dir);
        const [m, w] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
        return {
          manager: { client: m.client, address: m.ip },
          worker: { client: w.client, address: w.ip },
          violations: [],
          stop: cluster.stop,
        };
      },
    },
    'two simulated Docker Engines': {
      available: () => true,
      checksApi: true,
      async start(dir) {
        const schema = loadDockerApiSchema();
        const violations: ApiViolation[] = [];
        const hosts = new SimDockerHosts({
          taskStartMs: 50,
          onExchange: (x) => violations.push(...schema.check(x.method, x.path, x.status, x.request, x.response)),
        });
        // Addresses are names on the simulated network only: nothing is sent to them.
        const nodes: Node[] = [];
        const servers: Awaited<ReturnType<typeof serveSimDocker>>[] = [];
        for (const [i, name] of ['node1', 'node2'].entries()) {
          const server = await serveSimDocker(hosts.engine(name, name), join(dir, `${name}.sock`));
          servers.push(server);
          const client = new DockerClient({ socketPath: server.socketPath });
          await client.importImage(Readable.from([Buffer.from('rootfs')]), 'phoenix-test/busybox', 'latest');
          nodes.push({ client, address: `192.0.2.${i + 1}` });
        }
        return {
          manager: nodes[0]!,
          worker: nodes[1]!,
          violations,
          stop: async () => {
            for (const server of servers) await server.close();
          },
        };
      },
    },
  };

for (const [name, target] of Object.entries(targets)) {
  describe.skipIf(!target.available())(`stack contract: ${name}`, () => {
    let t: Target;
    let dir: string;
    let stacks: Stack[];
    const names = { manager: 'node1', worker: 'node2' };
    const secrets = () => ({ configDir: dir, env: {} });
    const registry = () =>
      handlerRegistry([
        swarmClusterHandler({ node: (n) => (n === names.worker ? t.worker.client : t.manager.client) }),
        stacksHandler({ manager: () => t.manager.client, secrets: secrets() }),
      ]);
    const resources = async (): Promise<Resource[]> => [
      {
        address: CLUSTER_ADDRESS,
        kind: CLUSTER_KIND,
        desired: {
          nodes: [
            {
              name: names.manager,
              address: t.manager.address,
              role: 'manager',
              labels: { zone: 'a' },
              availability: 'active',
            },
            {
              name: names.worker,
              address: t.worker.address,
              role: 'worker',
              labels: { zone: 'b' },
              availability: 'active',
            },
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
      const tasks = await t.manager.client.listTasks({ service: [service], 'desired-state': ['running'] });
      return tasks.filter((x) => x.Status.State === 'running').length;
    };
    const resetStats = () => [t.manager, t.worker].forEach((n) => n.client.resetStats());
    const mutations = () => [t.manager, t.worker].flatMap((n) => n.client.stats.mutations);

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'phoenix-contract-'));
      writeFileSync(join(dir, 'app.compose.yaml'), COMPOSE);
      writeFileSync(
        join(dir, 'broken.compose.yaml'),
        COMPOSE.replace('phoenix-test/busybox:latest', 'phoenix-test/missing:1'),
      );
      t = await target.start(dir);
      names.manager = (await t.manager.client.info()).Name;
      names.worker = (await t.worker.client.info()).Name;
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
      const nodes = await t.manager.client.listNodes();
      expect(
        nodes.map((n) => `${n.Description.Hostname} ${n.Spec.Role} ${n.Spec.Labels?.zone} ${n.Status.State}`).sort(),
      ).toEqual([`${names.manager} manager a ready`, `${names.worker} worker b ready`]);
      // The worker answers, but not for the Swarm: only managers do.
      expect((await t.worker.client.info()).Swarm).toMatchObject({ LocalNodeState: 'active', ControlAvailable: false });
      await expect(t.worker.client.listServices()).rejects.toMatchObject({
        status: 503,
        message: expect.stringContaining('This node is not a swarm manager'),
      });
      const labels = (await t.manager.client.listServices())
        .map((s) => s.Spec.Labels?.['com.docker.stack.namespace'])
        .sort();
      expect(labels).toEqual(['whoami', 'whoami-testing']);
    }, 120_000);

    it('makes zero mutating calls when nothing changed, and leaves a stack it did not deploy alone', async () => {
      await t.manager.client.createService({
        Name: 'manual_app',
        Labels: { 'com.docker.stack.namespace': 'manual' },
        TaskTemplate: { ContainerSpec: { Image: 'phoenix-test/busybox:latest', Args: ['sleep', '3600'], Init: true } },
        Mode: { Replicated: { Replicas: 0 } },
      });
      resetStats();
      const { planned } = await apply(true);
      expect(planned.plan.unmanaged).toEqual([
        { address: 'stack.manual', kind: 'swarm.stack', summary: 'Swarm stack manual (1 service)' },
      ]);
      expect(Object.values(actions(planned))).toEqual(['noop', 'noop', 'noop']);
      expect(mutations()).toEqual([]);
    }, 60_000);

    it('redeploys only the environment whose variable changed', async () => {
      stacks[0] = Stack.parse({
        ...stacks[0],
        environments: { ...stacks[0]!.environments, testing: { variables: { LEVEL: 'trace' } } },
      });
      resetStats();
      const { planned, result } = await apply();
      expect(failures(result)).toEqual([]);
      expect(actions(planned)).toMatchObject({ 'stack.whoami.production': 'noop', 'stack.whoami.testing': 'update' });
      expect(mutations()).toEqual(['update-service whoami-testing_whoami']);
    }, 90_000);

    it('reverts a service scaled by hand', async () => {
      const svc = (await t.manager.client.listServices({ name: ['whoami_whoami'] }))[0]!;
      await t.manager.client.updateService(svc, { ...svc.Spec, Mode: { Replicated: { Replicas: 4 } } });
      const { planned, result } = await apply();
      expect(planned.plan.changes.find((c) => c.address === 'stack.whoami.production')!.reasons).toContain(
        'service whoami_whoami: 4 replicas, desired 2 (changed outside Phoenix)',
      );
      expect(failures(result)).toEqual([]);
      const after = (await t.manager.client.listServices({ name: ['whoami_whoami'] }))[0]!;
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
      resetStats();
      const pruned = await apply(true);
      expect(actions(pruned.planned)['stack.broken.testing']).toBe('delete');
      expect(failures(pruned.result)).toEqual([]);
      expect(mutations()).toEqual(['remove-service broken-testing_whoami', 'remove-network broken-testing_default']);
    }, 120_000);

    if (target.checksApi)
      it('sent and answered only what the Engine API document describes', () => {
        expect(t.violations).toEqual([]);
      });
  });
}
