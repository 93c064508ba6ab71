/**
 * No-op plan over a three-node cluster with 300 guests per node placed by `node: auto`
 * (issue 16): API requests (target ≤ N + 5 — one cluster read, one config read per guest, and
 * the few per-node reads of bridges and OS templates) and wall time, with a breakdown of the
 * requests by route so a regression shows where it comes from.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createPhoenix } from '../src/app/create-phoenix.ts';
import { applyPlan, planEnvironment } from '../src/app/operations.ts';
import { simTopology } from '../src/app/sim-topology.ts';
import { loadConfig } from '../src/config/index.ts';
import { planHasChanges } from '../src/engine/index.ts';
import { startSimulator } from '../src/sim/index.ts';
import type { Benchmark, BenchResult } from './types.ts';

const NODES = ['pve1', 'pve2', 'pve3'];
const PER_NODE = 300;
const N = NODES.length * PER_NODE;

function writeConfig(dir: string): void {
  const guests = Array.from({ length: N }, (_, i) => ({
    id: 3000 + i,
    name: `ct-${i}`,
    type: 'lxc',
    node: 'auto',
    template: 'debian-12',
    cores: 1,
    memory: 256,
    swap: 0,
    disk: { storage: 'local-lvm', size: 2 },
    net: [
      { name: 'eth0', bridge: 'vmbr0', ip: `10.30.${Math.floor(i / 250)}.${(i % 250) + 2}/16`, gateway: '10.30.0.1' },
    ],
    tags: ['bench'],
  }));
  const config = {
    version: 1,
    cluster: {
      nodes: NODES.map((name) => ({ name, cores: 4096, memory: 4_194_304 })),
      placement: { policy: 'spread' },
    },
    network: { bridges: [{ name: 'vmbr0', cidr: '10.30.0.1/16' }] },
    storage: [
      { id: 'local', type: 'dir', path: '/var/lib/vz', content: ['vztmpl', 'iso', 'import'] },
      { id: 'local-lvm', type: 'lvmthin', vgname: 'pve', thinpool: 'data', content: ['images', 'rootdir'] },
    ],
    templates: [{ name: 'debian-12', kind: 'lxc', storage: 'local', file: 'debian-12-standard_12.7-1_amd64.tar.zst' }],
    defaults: { lxc: { unprivileged: true, onboot: false } },
    guests,
  };
  writeFileSync(join(dir, 'phoenix.yaml'), stringify(config));
}

export const benchmark: Benchmark = {
  name: 'cluster',
  async run(): Promise<BenchResult[]> {
    const dir = mkdtempSync(join(tmpdir(), 'phoenix-bench-cluster-'));
    writeConfig(dir);
    const topology = simTopology((await loadConfig(dir)).config);
    const sim = await startSimulator({
      tls: false,
      speed: 0,
      nodes: topology.nodes,
      storages: topology.storages as never,
    });
    const tokenSecret = sim.token.slice(sim.token.lastIndexOf('=') + 1);
    const endpoint = { url: sim.url, tokenId: sim.tokenId, tokenSecret };
    try {
      const setup = await createPhoenix({ configDir: dir, endpoint });
      const applied = await applyPlan(setup, await planEnvironment(setup), { concurrency: 32, perNodeConcurrency: 32 });
      await setup.close();
      if (!applied.succeeded) throw new Error(`setup apply of ${N} guests failed`);

      const routes = new Map<string, number>();
      let requests = 0;
      const phoenix = await createPhoenix({
        configDir: dir,
        endpoint,
        onRequest: (e) => {
          requests += 1;
          const route = `${e.method} ${e.path.replace(/\/\d+\//g, '/{vmid}/').replace(/pve\d/g, '{node}')}`;
          routes.set(route, (routes.get(route) ?? 0) + 1);
        },
      });
      const started = performance.now();
      const { plan } = await planEnvironment(phoenix);
      const ms = performance.now() - started;
      await phoenix.close();
      if (planHasChanges(plan)) throw new Error('the no-op plan found changes');
      return [
        {
          name: 'noop-plan-3-nodes-900-guests.requests',
          value: requests,
          unit: 'requests',
          target: { op: '<=', value: N + 5 },
          details: { guests: N, nodes: NODES.length, byRoute: Object.fromEntries(routes) },
        },
        { name: 'noop-plan-3-nodes-900-guests.time', value: Math.round(ms), unit: 'ms' },
      ];
    } finally {
      await sim.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
