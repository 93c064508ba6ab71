/**
 * Cold converge of the reference topology (examples/homelab's host objects, templates and guests:
 * LXC 101/102/103, VM template 9000 from its cloud image, VMs 1001/1002) on a fresh simulator at
 * its realistic task durations (speed 1), then a no-op apply (issue 15).
 *
 * Figures: wall time of the apply over the lower bound (the critical path of the phase graph
 * weighted by the simulator's durations of the tasks really run, see lib/task-bound.ts; target
 * ≤ 1.15), Proxmox API requests of plan + apply (target ≤ 200), and the no-op's requests and writes
 * (targets ≤ N + 5, N = the resources the plan observes, and 0 writes).
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPhoenix } from '../src/app/create-phoenix.ts';
import { applyPlan, planEnvironment } from '../src/app/operations.ts';
import { simTopology } from '../src/app/sim-topology.ts';
import { loadConfig } from '../src/config/index.ts';
import { planHasChanges } from '../src/engine/index.ts';
import type { RequestLogEntry } from '../src/sim/server/request-log.ts';
import { startSimulator } from '../src/sim/index.ts';
import { convergeBound } from './lib/task-bound.ts';
import type { Benchmark, BenchResult } from './types.ts';

const HOMELAB = new URL('../examples/homelab/', import.meta.url).pathname;
const SPEED = Number(process.env.PHOENIX_BENCH_SPEED ?? 1);

export const benchmark: Benchmark = {
  name: 'reference',
  async run(): Promise<BenchResult[]> {
    const dir = mkdtempSync(join(tmpdir(), 'phoenix-bench-reference-'));
    for (const f of ['phoenix.yaml', 'templates.yaml', 'guests'])
      cpSync(join(HOMELAB, f), join(dir, f), { recursive: true });
    const topology = simTopology((await loadConfig(dir)).config);
    let log: RequestLogEntry[] = [];
    const sim = await startSimulator({
      tls: false,
      speed: SPEED,
      nodes: topology.nodes,
      storages: topology.storages as never,
      onRequest: (e) => {
        if (!e.path.startsWith('/_sim')) log.push(e);
      },
    });
    const endpoint = {
      url: sim.url,
      tokenId: sim.tokenId,
      tokenSecret: sim.token.slice(sim.token.lastIndexOf('=') + 1),
    };
    const phoenix = await createPhoenix({ configDir: dir, endpoint });
    try {
      const guests = phoenix.resources.filter((r) => r.kind === 'proxmox.guest').length;
      const resources = phoenix.resources.length;
      log = [];
      const started = performance.now();
      const planned = await planEnvironment(phoenix);
      const applyStarted = performance.now();
      const result = await applyPlan(phoenix, planned);
      const wallMs = performance.now() - applyStarted;
      const planMs = applyStarted - started;
      const cold = log;
      const failed = [...result.outcomes.values()].filter((o) => o.outcome === 'failed' || o.outcome === 'skipped');
      const bound = convergeBound({ resources: phoenix.resources, requests: cold });
      const boundMs = bound.length * SPEED;
      log = [];
      const again = await planEnvironment(phoenix);
      const noop = await applyPlan(phoenix, again);
      const noopLog = log;
      const converged = !planHasChanges(again.plan) && noop.succeeded;
      const writes = (l: RequestLogEntry[]) => l.filter((e) => e.method !== 'GET').length;
      const tasks = (type: string) => cold.filter((e) => e.method !== 'GET' && e.path.endsWith(type)).length;
      return [
        {
          name: 'reference.cold.wall-over-lower-bound',
          value: Number((wallMs / boundMs).toFixed(3)),
          unit: 'ratio',
          target: { op: '<=', value: 1.15 },
          details: {
            wallMs: Math.round(wallMs),
            planMs: Math.round(planMs),
            lowerBoundMs: Math.round(boundMs),
            boundPath: bound.path,
            nodeWeightsMs: bound.weights,
            speedFactor: SPEED,
            failed: failed.map(
              (o) => `${o.address}: ${o.outcome} ${o.reason ?? String((o.error as Error | undefined)?.message ?? '')}`,
            ),
          },
        },
        { name: 'reference.cold.wall', value: Math.round(wallMs), unit: 'ms' },
        {
          name: 'reference.cold.api-requests',
          value: cold.length,
          unit: 'requests',
          target: { op: '<=', value: 200 },
          details: {
            writes: writes(cold),
            taskStatusPolls: cold.filter((e) => /\/tasks\/[^/]+\/status$/.test(e.path)).length,
            agentPings: cold.filter((e) => e.path.endsWith('/agent/ping')).length,
            starts: tasks('/status/start'),
            errors: cold.filter((e) => e.status >= 400).length,
          },
        },
        {
          name: 'reference.noop.api-requests',
          value: noopLog.length,
          unit: 'requests',
          target: { op: '<=', value: resources + 5 },
          details: { resources, guests, converged, paths: noopLog.map((e) => `${e.method} ${e.path}`) },
        },
        { name: 'reference.noop.writes', value: writes(noopLog), unit: 'requests', target: { op: '<=', value: 0 } },
      ];
    } finally {
      await phoenix.close();
      await sim.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
