/**
 * The node provider through the real engine (makePlan → executePlan) on the simulator's SSH
 * server: apply converges, a second plan is all no-op, and an out-of-band edit on the node is
 * reported as drift by the plan.
 */
import { appendFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PhoenixConfig } from '../../config/schema.ts';
import { executePlan, handlerRegistry, isMutating, makePlan } from '../../engine/index.ts';
import { deriveNodeResources, nodeHandlers } from './index.ts';
import { startSimFixture, type SimFixture } from './_sim-fixture.ts';

const config = PhoenixConfig.parse({
  version: 1,
  cluster: { domain: 'home.arpa', nodes: [{ name: 'pve', address: '10.0.0.2' }] },
  guests: [
    {
      id: 101,
      name: 'nginx-gateway',
      type: 'lxc',
      node: 'pve',
      role: 'gateway',
      net: [{ name: 'eth0', bridge: 'vmbr0', ip: '10.0.0.11/24' }],
    },
    {
      id: 1002,
      name: 'worker',
      type: 'vm',
      node: 'pve',
      net: [{ name: 'net0', bridge: 'vmbr0', ip: '10.0.0.22/24' }],
      mounts: [{ path: '/srv/data', nfs: 'swarm-data' }],
    },
  ],
  nfs: { exports: [{ name: 'swarm-data', path: '/srv/nfs/swarm-data' }] },
  routes: [{ host: 'app.example.com', target: { guest: 101, port: 80 } }],
});

let sim: SimFixture;
beforeAll(async () => {
  sim = await startSimFixture({ 101: 'lxc', 1002: 'qemu' });
});
afterAll(async () => {
  await sim?.close();
});

describe('node provider through the engine', () => {
  it('converges, then plans nothing, then shows an out-of-band edit as drift', async () => {
    const { resources, diagnostics } = deriveNodeResources(config);
    expect(diagnostics).toEqual([]);
    const registry = handlerRegistry(nodeHandlers(sim.shells));

    const first = await makePlan({ resources, registry });
    expect(first.plan.errored).toBe(false);
    const result = await executePlan({
      plan: first.plan,
      resources: first.resources,
      observations: first.observations,
      registry,
    });
    expect([...result.outcomes.values()].filter((o) => o.outcome === 'failed')).toEqual([]);
    expect(result.succeeded).toBe(true);

    const meta = sim.server.nodeTree.readMeta();
    expect(meta.packages).toEqual(['dnsmasq', 'nfs-kernel-server']);
    expect(meta.services.dnsmasq).toMatchObject({ enabled: true, active: true, reloads: 1 });
    expect(meta.exportfsRuns).toBe(1);

    const second = await makePlan({ resources, registry });
    expect(second.plan.changes.filter((c) => isMutating(c.action))).toEqual([]);
    expect(second.plan.drift).toEqual([]);

    appendFileSync(sim.server.nodeTree.resolve('/etc/phoenix/dnsmasq.hosts'), '10.6.6.6 evil.home.arpa\n');
    const third = await makePlan({ resources, registry });
    expect(third.plan.drift).toEqual([
      { address: 'node.pve.dns', kind: 'node.dns', paths: ['/etc/phoenix/dnsmasq.hosts'] },
    ]);
    expect(third.plan.changes.find((c) => c.address === 'node.pve.dns')?.action).toBe('update');
    const repaired = await executePlan({
      plan: third.plan,
      resources: third.resources,
      observations: third.observations,
      registry,
    });
    expect(repaired.succeeded).toBe(true);
    expect(sim.server.nodeTree.readMeta().services.dnsmasq?.reloads).toBe(2);
    expect(sim.server.nodeTree.readMeta().exportfsRuns).toBe(1);
  });
});
