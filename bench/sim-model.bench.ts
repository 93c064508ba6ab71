/**
 * The simulator's cluster model alone (no HTTP) with 1,000 guests (issue 3): calls per second
 * of the handlers for `GET …/qemu/{vmid}/config` and `GET /cluster/resources`, JSON encoding
 * included. It shows how much of the end-to-end budget (`sim.bench.ts`, target ≥ 2,000 req/s
 * for config) the model uses; the model must never be what limits it.
 */
import { createSimModel } from '../src/sim/state/index.ts';
import { NO_FAULTS } from '../src/sim/state/test-harness.ts';
import { encodeBody } from '../src/sim/api/json-cache.ts';
import type { SimModel } from '../src/sim/contract.ts';
import type { Benchmark, BenchResult } from './types.ts';

const GUESTS = 1000;

async function populate(model: SimModel): Promise<void> {
  const create = model.routes().find((r) => r.method === 'POST' && r.route === '/nodes/{node}/qemu');
  if (!create) throw new Error('no create route');
  for (let i = 0; i < GUESTS; i++) {
    const params = { node: 'pve', vmid: 1000 + i, name: `vm${i}`, scsi0: 'local-lvm:4', net0: 'virtio,bridge=vmbr0' };
    await create.handler({ method: 'POST', route: '/nodes/{node}/qemu', params, caller: { userid: 'root@pam' } });
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
}

async function modelRate(
  model: SimModel,
  route: string,
  params: Record<string, unknown>,
  seconds: number,
): Promise<number> {
  const r = model.routes().find((x) => x.method === 'GET' && x.route === route);
  if (!r) throw new Error(`no route ${route}`);
  const until = performance.now() + seconds * 1000;
  let n = 0;
  while (performance.now() < until) {
    // JSON encoding is part of every real answer, so it is part of the measurement (done as
    // the HTTP layer does it, reusing the cached text of unchanged rows).
    encodeBody({ data: await r.handler({ method: 'GET', route, params, caller: { userid: 'root@pam' } }) });
    n++;
  }
  return n / seconds;
}

export const benchmark: Benchmark = {
  name: 'sim-model',
  async run() {
    const results: BenchResult[] = [];
    const model = createSimModel({
      nodes: [{ name: 'pve', cores: 16, memoryMiB: 65536 }],
      speed: 0,
      faults: NO_FAULTS,
      seed: 1,
    });
    await populate(model);
    const config = await modelRate(model, '/nodes/{node}/qemu/{vmid}/config', { node: 'pve', vmid: 1500 }, 2);
    const resources = await modelRate(model, '/cluster/resources', {}, 2);
    model.close();
    results.push(
      {
        name: 'model GET qemu config (1000 guests)',
        value: Math.round(config),
        unit: 'req/s',
        target: { op: '>=', value: 20000 },
      },
      {
        // ≥ 1,000 calls/s, i.e. < 1 ms per call with encoding: the model must never limit
        // the HTTP figure.
        name: 'model GET /cluster/resources (1000 guests)',
        value: Math.round(resources),
        unit: 'req/s',
        target: { op: '>=', value: 1000 },
        details: { msPerCall: Math.round((1000 / resources) * 1000) / 1000 },
      },
    );
    return results;
  },
};
