/**
 * Requests per second the simulator serves on loopback (issue 3): `GET /cluster/resources`
 * with 1,000 guests and `GET /nodes/{node}/qemu/{vmid}/config` (target ≥ 2,000 req/s), over
 * plain HTTP with undici keep-alive connections and 32 requests in flight. The load generator
 * runs in the same process as the server, so the figures are a lower bound.
 */
import { loadavg } from 'node:os';
import { Pool } from 'undici';
import { startSimulator } from '../src/sim/index.ts';
import { createSimModel, type SimModelHandle } from '../src/sim/state/index.ts';
import type { Benchmark, BenchResult } from './types.ts';

const GUESTS = 1000;
const CONCURRENCY = 32;
const DURATION_MS = 3000;

async function measure(
  pool: Pool,
  token: string,
  paths: () => string,
): Promise<{ rps: number; p50: number; p99: number; errors: number; cpuUs: number }> {
  const latencies: number[] = [];
  let errors = 0;
  const cpu = process.cpuUsage();
  const deadline = performance.now() + DURATION_MS;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const started = performance.now();
      const res = await pool.request({
        method: 'GET',
        path: paths(),
        headers: { authorization: `PVEAPIToken=${token}` },
      });
      await res.body.text();
      if (res.statusCode !== 200) errors += 1;
      latencies.push(performance.now() - started);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const elapsed = performance.now() - started;
  const used = process.cpuUsage(cpu);
  // CPU per request (server and load generator together): stable on a busy, shared machine.
  const cpuUs = Math.round((used.user + used.system) / Math.max(1, latencies.length));
  latencies.sort((a, b) => a - b);
  const at = (q: number): number => Math.round((latencies[Math.floor(q * (latencies.length - 1))] ?? 0) * 100) / 100;
  return { rps: Math.round((latencies.length * 1000) / elapsed), p50: at(0.5), p99: at(0.99), errors, cpuUs };
}

export const benchmark: Benchmark = {
  name: 'sim',
  async run() {
    let model: SimModelHandle | undefined;
    const sim = await startSimulator({
      tls: false,
      speed: 0,
      createModel: (faults) => {
        model = createSimModel({ nodes: [{ name: 'pve', cores: 64, memoryMiB: 262144 }], speed: 0, seed: 1, faults });
        return model;
      },
    });
    const pool = new Pool(sim.url, { connections: 16, pipelining: 1 });
    try {
      if (!model) throw new Error('model not created');
      for (let i = 0; i < GUESTS; i += 1) {
        await model.call('POST', '/nodes/{node}/qemu', {
          node: 'pve',
          vmid: 1000 + i,
          name: `vm${i}`,
          cores: 2,
          net0: 'virtio,bridge=vmbr0',
        });
      }
      let n = 0;
      const config = await measure(pool, sim.token, () => `/api2/json/nodes/pve/qemu/${1000 + (n++ % GUESTS)}/config`);
      const resources = await measure(pool, sim.token, () => '/api2/json/cluster/resources');
      const results: BenchResult[] = [
        {
          name: 'sim GET .../qemu/{vmid}/config',
          value: config.rps,
          unit: 'req/s',
          target: { op: '>=', value: 2000 },
          details: {
            guests: GUESTS,
            concurrency: CONCURRENCY,
            loadAverage1m: loadavg()[0],
            p50Ms: config.p50,
            p99Ms: config.p99,
            errors: config.errors,
            cpuUsPerRequest: config.cpuUs,
            cpuBoundRps: Math.round(1e6 / Math.max(1, config.cpuUs)),
          },
        },
        {
          name: 'sim GET /cluster/resources (1,000 guests)',
          value: resources.rps,
          unit: 'req/s',
          details: {
            guests: GUESTS,
            concurrency: CONCURRENCY,
            p50Ms: resources.p50,
            p99Ms: resources.p99,
            errors: resources.errors,
            cpuUsPerRequest: resources.cpuUs,
            cpuBoundRps: Math.round(1e6 / Math.max(1, resources.cpuUs)),
          },
        },
      ];
      return results;
    } finally {
      await pool.close();
      await sim.stop();
    }
  },
};
