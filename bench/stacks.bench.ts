/**
 * No-op apply over 20 stack environments (10 stacks × production/testing): Docker requests of
 * the plan + apply that follows a converged deploy (target: at most 2 + one per stack
 * environment; mutating requests: 0) and its wall time, on a real dockerd (single-node Swarm in
 * a private network namespace, TLS with a client certificate; needs root and dockerd, left out
 * where they are missing) and on the simulated Docker Engine (always).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { executePlan, handlerRegistry, makePlan, type Resource } from '../src/engine/index.ts';
import { Stack } from '../src/config/schema.ts';
import { Readable } from 'node:stream';
import { DockerClient } from '../src/clients/docker/client.ts';
import { dockerdAvailable, importBusybox, startDockerdCluster } from '../src/clients/docker/_test-dockerd.ts';
import { startSimDocker } from '../src/sim/docker/engine.ts';
import { CLUSTER_ADDRESS, CLUSTER_KIND, swarmClusterHandler } from '../src/providers/swarm/cluster.ts';
import { deriveStacks } from '../src/providers/stacks/derive.ts';
import { stacksHandler } from '../src/providers/stacks/handler.ts';
import type { Benchmark, BenchResult } from './types.ts';

const STACKS = 10;

interface Target {
  client: DockerClient;
  name: string;
  address: string;
  stop(): Promise<void>;
}

async function realTarget(dir: string): Promise<Target> {
  const cluster = await startDockerdCluster(1);
  const node = cluster.nodes[0]!;
  await importBusybox(node, dir);
  return { client: node.client, name: 'node1', address: node.ip, stop: cluster.stop };
}

async function simTarget(dir: string): Promise<Target> {
  const sim = await startSimDocker(join(dir, 'sim.sock'), { taskStartMs: 20 });
  const client = new DockerClient({ socketPath: sim.socketPath });
  await client.importImage(Readable.from([Buffer.from('rootfs')]), 'phoenix-test/busybox', 'latest');
  return { client, name: sim.engine.hostname, address: '192.0.2.1', stop: sim.close };
}

async function measure(label: string, start: (dir: string) => Promise<Target>): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'phoenix-bench-stacks-'));
  let target: Target | undefined;
  try {
    target = await start(dir);
    const t = target;
    writeFileSync(
      join(dir, 'app.compose.yaml'),
      'services:\n  app:\n    image: phoenix-test/busybox:latest\n    command: ["sleep", "3600"]\n    init: true\n    stop_grace_period: 1s\n    environment: { LEVEL: "${LEVEL}" }\n    deploy: { endpoint_mode: dnsrr }\n',
    );
    const stacks = Array.from({ length: STACKS }, (_, i) =>
      Stack.parse({
        name: `app${i}`,
        compose: 'app.compose.yaml',
        environments: { production: { variables: { LEVEL: 'info' } }, testing: { variables: { LEVEL: 'debug' } } },
      }),
    );
    const secrets = { configDir: dir, env: {} };
    const resources: Resource[] = [
      {
        address: CLUSTER_ADDRESS,
        kind: CLUSTER_KIND,
        desired: {
          nodes: [{ name: t.name, address: t.address, role: 'manager', labels: {}, availability: 'active' }],
        },
        dependsOn: [],
      },
      ...(await deriveStacks({ stacks, secrets })),
    ];
    const registry = handlerRegistry([
      swarmClusterHandler({ node: () => t.client }),
      stacksHandler({ manager: () => t.client, secrets }),
    ]);
    const apply = async () => {
      const planned = await makePlan({ resources, registry });
      const result = await executePlan({
        plan: planned.plan,
        resources: planned.resources,
        observations: planned.observations,
        registry,
        health: { timeoutMs: 120_000 },
      });
      if (!result.succeeded) throw new Error('bench deploy failed');
      return planned;
    };
    await apply();
    t.client.resetStats();
    const started = performance.now();
    const planned = await apply();
    const wallMs = performance.now() - started;
    const changes = planned.plan.changes.filter((c) => c.action !== 'noop').length;
    const environments = STACKS * 2;
    return [
      {
        name: `no-op apply Docker requests (20 stack environments, ${label})`,
        value: t.client.stats.total,
        unit: 'requests',
        target: { op: '<=', value: 2 + environments },
        details: { changes },
      },
      {
        name: `no-op apply mutating Docker requests (${label})`,
        value: t.client.stats.mutating,
        unit: 'requests',
        target: { op: '<=', value: 0 },
      },
      { name: `no-op apply wall time (20 stack environments, ${label})`, value: Math.round(wallMs), unit: 'ms' },
    ];
  } finally {
    await target?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const benchmark: Benchmark = {
  name: 'stacks',
  async run(): Promise<BenchResult[]> {
    return [
      ...(dockerdAvailable() ? await measure('real dockerd', realTarget) : []),
      ...(await measure('simulated engine', simTarget)),
    ];
  },
};
