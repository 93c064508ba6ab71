/**
 * No-op apply over 20 stack environments (10 stacks × production/testing) on a real dockerd
 * (single-node Swarm in a private network namespace, TLS with a client certificate): Docker
 * requests of the plan + apply that follows a converged deploy (target: at most 2 + one per
 * stack environment; mutating requests: 0) and its wall time. Needs root and dockerd.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { executePlan, handlerRegistry, makePlan, type Resource } from '../src/engine/index.ts';
import { Stack } from '../src/config/schema.ts';
import { importBusybox, startDockerdCluster } from '../src/clients/docker/_test-dockerd.ts';
import { CLUSTER_ADDRESS, CLUSTER_KIND, swarmClusterHandler } from '../src/providers/swarm/cluster.ts';
import { deriveStacks } from '../src/providers/stacks/derive.ts';
import { stacksHandler } from '../src/providers/stacks/handler.ts';
import type { Benchmark, BenchResult } from './types.ts';

const STACKS = 10;

export const benchmark: Benchmark = {
  name: 'stacks',
  async run(): Promise<BenchResult[]> {
    const cluster = await startDockerdCluster(1);
    const dir = mkdtempSync(join(tmpdir(), 'phoenix-bench-stacks-'));
    try {
      const node = cluster.nodes[0]!;
      await importBusybox(node, dir);
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
            nodes: [{ name: 'node1', address: node.ip, role: 'manager', labels: {}, availability: 'active' }],
          },
          dependsOn: [],
        },
        ...(await deriveStacks({ stacks, secrets })),
      ];
      const registry = handlerRegistry([
        swarmClusterHandler({ node: () => node.client }),
        stacksHandler({ manager: () => node.client, secrets }),
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
      node.client.resetStats();
      const started = performance.now();
      const planned = await apply();
      const wallMs = performance.now() - started;
      const changes = planned.plan.changes.filter((c) => c.action !== 'noop').length;
      const environments = STACKS * 2;
      return [
        {
          name: 'no-op apply Docker requests (20 stack environments)',
          value: node.client.stats.total,
          unit: 'requests',
          target: { op: '<=', value: 2 + environments },
          details: { changes },
        },
        {
          name: 'no-op apply mutating Docker requests',
          value: node.client.stats.mutating,
          unit: 'requests',
          target: { op: '<=', value: 0 },
        },
        { name: 'no-op apply wall time (20 stack environments)', value: Math.round(wallMs), unit: 'ms' },
      ];
    } finally {
      await cluster.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
