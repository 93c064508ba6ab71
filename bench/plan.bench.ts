/**
 * No-op plan over 1,000 managed guests: API requests (target ≤ N + 5: one cluster read plus one
 * config read per guest) and wall time. The guests are first created by a real apply against
 * the HTTP simulator (instant tasks); then a fresh Phoenix plans with a request counter.
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

const N = 1000;

function writeConfig(dir: string, count: number): void {
  const guests = Array.from({ length: count }, (_, i) => ({
    id: 2000 + i,
    name: `ct-${i}`,
    type: 'lxc',
    node: 'pve',
    template: 'debian-12',
    cores: 1,
    memory: 256,
    swap: 0,
    disk: { storage: 'local-lvm', size: 2 },
    net: [
      { name: 'eth0', bridge: 'vmbr0', ip: `10.20.${Math.floor(i / 250)}.${(i % 250) + 2}/16`, gateway: '10.20.0.1' },
    ],
    tags: ['bench'],
  }));
  const config = {
    version: 1,
    cluster: { nodes: [{ name: 'pve', cores: 4096, memory: 4_194_304 }] },
    network: { bridges: [{ name: 'vmbr0', cidr: '10.20.0.1/16' }] },
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
  name: 'plan',
  async run(): Promise<BenchResult[]> {
    const dir = mkdtempSync(join(tmpdir(), 'phoenix-bench-plan-'));
    writeConfig(dir, N);
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
      const setupStarted = performance.now();
      const applied = await applyPlan(setup, await planEnvironment(setup), { concurrency: 32, perNodeConcurrency: 32 });
      const setupMs = performance.now() - setupStarted;
      await setup.close();
      if (!applied.succeeded) throw new Error('setup apply of 1,000 guests failed');

      let requests = 0;
      const phoenix = await createPhoenix({ configDir: dir, endpoint, onRequest: () => (requests += 1) });
      const started = performance.now();
      const { plan } = await planEnvironment(phoenix);
      const ms = performance.now() - started;
      await phoenix.close();
      if (planHasChanges(plan)) throw new Error('the no-op plan found changes');
      return [
        {
          name: 'noop-plan-1000-guests.requests',
          value: requests,
          unit: 'requests',
          target: { op: '<=', value: N + 5 },
        },
        {
          name: 'noop-plan-1000-guests.time',
          value: Math.round(ms),
          unit: 'ms',
          details: { guests: N, setupApplyMs: Math.round(setupMs) },
        },
      ];
    } finally {
      await sim.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
