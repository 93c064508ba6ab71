/**
 * Requests per second the simulator serves on loopback (issue 3): `GET /cluster/resources`
 * with 1,000 guests and `GET /nodes/{node}/qemu/{vmid}/config` (target ≥ 2,000 req/s), over
 * plain HTTP with undici keep-alive connections and 32 requests in flight.
 *
 * The simulator runs in a worker thread (this same file, see the bottom) so the load generator
 * does not share its event loop. Besides wall-clock req/s, the result reports the server's
 * event-loop busy time per request and the capacity that implies (`serverCapacityRps`): on a
 * busy, shared machine wall-clock figures swing, busy time much less.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { Worker, isMainThread, parentPort } from 'node:worker_threads';
import { Pool } from 'undici';
import { startSimulator } from '../src/sim/index.ts';
import { createSimModel, type SimModelHandle } from '../src/sim/state/index.ts';
import type { Benchmark, BenchResult } from './types.ts';

const GUESTS = 1000;
const CONCURRENCY = 32;
const DURATION_MS = 3000;

interface Scenario {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  serverBusyUsPerRequest: number;
  serverCpuUsPerRequest?: number;
}

/** CPU time (user + system, µs) of the calling thread, from Linux's /proc (10 ms resolution). */
function threadCpuUs(): number | undefined {
  try {
    const fields = readFileSync('/proc/thread-self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
    // After "pid (comm) ": state is field 0, utime field 11, stime field 12 (clock ticks, 100 Hz).
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return undefined;
  }
}

function askCpu(worker: Worker): Promise<number | undefined> {
  return new Promise((resolve) => {
    worker.once('message', (value: number | null) => resolve(value ?? undefined));
    worker.postMessage('cpu');
  });
}

async function measure(worker: Worker, pool: Pool, token: string, path: () => string): Promise<Scenario> {
  const latencies: number[] = [];
  let errors = 0;
  const deadline = performance.now() + DURATION_MS;
  const run = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const started = performance.now();
      const res = await pool.request({
        method: 'GET',
        path: path(),
        headers: { authorization: `PVEAPIToken=${token}` },
      });
      await res.body.text();
      if (res.statusCode !== 200) errors += 1;
      latencies.push(performance.now() - started);
    }
  };
  const cpuBefore = await askCpu(worker);
  const elu = worker.performance.eventLoopUtilization();
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, run));
  const elapsed = performance.now() - started;
  const busyMs = worker.performance.eventLoopUtilization(elu).active;
  const cpuAfter = await askCpu(worker);
  const cpuUs = cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : undefined;
  latencies.sort((a, b) => a - b);
  const at = (q: number): number => Math.round((latencies[Math.floor(q * (latencies.length - 1))] ?? 0) * 100) / 100;
  return {
    rps: Math.round((latencies.length * 1000) / elapsed),
    p50: at(0.5),
    p99: at(0.99),
    errors,
    serverBusyUsPerRequest: Math.round((busyMs * 1000) / Math.max(1, latencies.length)),
    serverCpuUsPerRequest: cpuUs === undefined ? undefined : Math.round(cpuUs / Math.max(1, latencies.length)),
  };
}

function result(name: string, s: Scenario, target?: number): BenchResult {
  return {
    name,
    value: s.rps,
    unit: 'req/s',
    ...(target === undefined ? {} : { target: { op: '>=' as const, value: target } }),
    details: {
      guests: GUESTS,
      concurrency: CONCURRENCY,
      p50Ms: s.p50,
      p99Ms: s.p99,
      errors: s.errors,
      serverBusyUsPerRequest: s.serverBusyUsPerRequest,
      serverCapacityRps: Math.round(1e6 / Math.max(1, s.serverBusyUsPerRequest)),
      // Requests one core could serve: the figure that does not depend on the machine's load.
      serverCpuUsPerRequest: s.serverCpuUsPerRequest,
      serverCpuCapacityRps:
        s.serverCpuUsPerRequest === undefined ? undefined : Math.round(1e6 / Math.max(1, s.serverCpuUsPerRequest)),
      loadAverage1m: loadavg()[0],
    },
  };
}

export const benchmark: Benchmark = {
  name: 'sim',
  async run() {
    // The worker loads this very .ts file, so it registers the tsx loader first.
    const worker = new Worker(
      `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); });`,
      { eval: true },
    );
    const ready = await new Promise<{ url: string; token: string }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    // Keep-alive connections (undici's default) with 2 requests pipelined on each of 16, so
    // 32 are in flight: the client thread stays mostly idle (checked with --cpu-prof) and is
    // not what limits the figure.
    const pool = new Pool(ready.url, { connections: 16, pipelining: 2 });
    try {
      let n = 0;
      const config = await measure(
        worker,
        pool,
        ready.token,
        () => `/api2/json/nodes/pve/qemu/${1000 + (n++ % GUESTS)}/config`,
      );
      const resources = await measure(worker, pool, ready.token, () => '/api2/json/cluster/resources');
      return [
        result('sim GET .../qemu/{vmid}/config', config, 2000),
        // 240 KB per answer; ≥ 500 req/s (< 2 ms each) keeps it from limiting any client.
        result('sim GET /cluster/resources (1,000 guests)', resources, 500),
      ];
    } finally {
      await pool.close();
      worker.postMessage('stop');
      await new Promise((resolve) => worker.once('exit', resolve));
    }
  },
};

// --- worker side: the simulator with 1,000 QEMU guests ---

async function serveInWorker(): Promise<void> {
  let model: SimModelHandle | undefined;
  const sim = await startSimulator({
    tls: false,
    speed: 0,
    createModel: (faults) => {
      model = createSimModel({ nodes: [{ name: 'pve', cores: 64, memoryMiB: 262144 }], speed: 0, seed: 1, faults });
      return model;
    },
  });
  for (let i = 0; i < GUESTS; i += 1) {
    await model?.call('POST', '/nodes/{node}/qemu', {
      node: 'pve',
      vmid: 1000 + i,
      name: `vm${i}`,
      cores: 2,
      net0: 'virtio,bridge=vmbr0',
    });
  }
  parentPort?.on('message', (message: string) => {
    if (message === 'cpu') parentPort?.postMessage(threadCpuUs() ?? null);
    else void sim.stop().then(() => parentPort?.close());
  });
  parentPort?.postMessage({ url: sim.url, token: sim.token });
}

if (!isMainThread) void serveInWorker();
