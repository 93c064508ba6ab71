/**
 * The provider against the simulator's model in-process (no HTTP): apply of examples/homelab
 * creates every guest, a second plan has no changes, and the second apply sends no mutating
 * request. The HTTP end-to-end tests repeat this against the real simulator server.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { simTopology } from '../../src/app/sim-topology.ts';
import { loadConfig } from '../../src/config/index.ts';
import { executePlan, makePlan, memoryJournal, planHasChanges } from '../../src/engine/index.ts';
import { deriveResources } from '../../src/providers/proxmox/derive.ts';
import { createProviderRegistry } from '../../src/providers/registry.ts';
import { startInProcessSim, type InProcessSim } from './_inproc.ts';

let sim: InProcessSim | undefined;
afterEach(() => sim?.close());

describe('provider against the in-process simulator model', () => {
  it('applies examples/homelab, then plans no changes', async () => {
    const loaded = await loadConfig('examples/homelab');
    sim = startInProcessSim({ topology: simTopology(loaded.config) });
    const registry = createProviderRegistry({
      proxmox: sim.client,
      resolveSecret: async () => 'secret',
      taskTimeoutMs: 30_000,
    });
    const { all } = deriveResources(loaded.config);
    const first = await makePlan({ resources: all, registry });
    expect(first.plan.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const result = await executePlan({
      plan: first.plan,
      resources: first.resources,
      observations: first.observations,
      registry,
      journal: memoryJournal(),
      health: { intervalMs: 10, timeoutMs: 10_000 },
      retry: { baseDelayMs: 5, maxDelayMs: 20 },
    });
    const failed = [...result.outcomes.values()].filter((o) => o.outcome === 'failed' || o.outcome === 'skipped');
    expect(failed.map((f) => `${f.address}: ${String((f.error as Error | undefined)?.message ?? f.reason)}`)).toEqual(
      [],
    );
    const second = await makePlan({ resources: all, registry });
    const pending = second.plan.changes.filter((c) => c.action !== 'noop').map((c) => ({ a: c.address, r: c.reasons }));
    expect(pending).toEqual([]);
    expect(planHasChanges(second.plan)).toBe(false);
    const before = sim.log.length;
    await executePlan({ plan: second.plan, resources: second.resources, observations: second.observations, registry });
    expect(sim.log.slice(before).filter((r) => r.method !== 'GET')).toEqual([]);

    // Exactly the declared config, in PVE's own canonical form.
    const ct = await sim.client.lxc.config('pve', 101);
    expect(ct).toMatchObject({
      hostname: 'nginx-gateway',
      cores: 1,
      memory: 512,
      swap: 512,
      onboot: 1,
      unprivileged: 1,
    });
    expect(String(ct.net0)).toContain('ip=192.168.1.101/24');
    expect(String(ct.rootfs)).toMatch(/^local-zfs:.*size=8G/);
    const vm = await sim.client.qemu.config('pve', 1002);
    expect(vm).toMatchObject({ name: 'worker', cores: 4, ciuser: 'admin' });
    expect(String(vm.memory)).toBe('8192');
    expect(String(vm.ipconfig0)).toBe('gw=10.10.0.1,ip=10.10.0.12/24');
    expect(String(vm.net0).toUpperCase()).toContain('BC:24:11:0A:10:02');
    const status = await sim.client.qemu.status('pve', 1002);
    expect(status.status).toBe('running');
    const tmpl = await sim.client.qemu.config('pve', 9000);
    expect(Number(tmpl.template)).toBe(1);
  });
});
