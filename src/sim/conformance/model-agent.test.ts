import { describe, it, expect } from 'vitest';
import { apiError, NO_FAULTS, runTask, testModel } from '../state/test-harness.ts';
import { createSimModel, createVirtualClock } from '../state/index.ts';

const VM = '/nodes/{node}/qemu/{vmid}';

describe('QEMU guest agent (§A.5, §8.9)', () => {
  it('§A.5 agent errors: not configured, VM not running, agent not yet running', async () => {
    const clock = createVirtualClock();
    const m = createSimModel({
      nodes: [{ name: 'pve', cores: 8, memoryMiB: 32768 }],
      speed: 1,
      clock,
      faults: NO_FAULTS,
      seed: 3,
    });
    const ping = (vmid: number): Promise<unknown> => m.call('POST', `${VM}/agent/ping`, { node: 'pve', vmid });
    const c1 = m.call('POST', '/nodes/{node}/qemu', { node: 'pve', vmid: 100, net0: 'virtio,bridge=vmbr0' });
    const c2 = m.call('POST', '/nodes/{node}/qemu', {
      node: 'pve',
      vmid: 101,
      agent: '1',
      net0: 'virtio,bridge=vmbr0',
    });
    await Promise.all([c1, c2]);
    await clock.advance(5000);
    expect((await apiError(ping(100))).message).toBe('No QEMU guest agent configured');
    expect((await apiError(ping(101))).message).toBe('VM 101 is not running');
    await m.call('POST', `${VM}/status/start`, { node: 'pve', vmid: 101 });
    await clock.advance(3000);
    expect((await apiError(ping(101))).message).toBe('QEMU guest agent is not running');
    await clock.advance(8000);
    expect(await ping(101)).toEqual({ result: {} });
    m.close();
  });

  it('§A.5 exec + exec-status, file-write and network-get-interfaces with configured IPs', async () => {
    const m = testModel();
    await runTask(m, 'POST', '/nodes/{node}/qemu', {
      node: 'pve',
      vmid: 100,
      name: 'app',
      agent: 'enabled=1',
      net0: 'virtio,bridge=vmbr0',
      net1: 'virtio,bridge=vmbr0',
      ide2: 'local-lvm:cloudinit',
      ipconfig0: 'ip=10.0.0.20/24,gw=10.0.0.1',
      ipconfig1: 'ip=dhcp',
      start: 1,
    });
    await new Promise((r) => setTimeout(r, 5));
    await m.call('POST', `${VM}/agent/file-write`, { node: 'pve', vmid: 100, file: '/etc/motd', content: 'hello\n' });
    const { pid } = (await m.call('POST', `${VM}/agent/exec`, {
      node: 'pve',
      vmid: 100,
      command: ['cat', '/etc/motd'],
    })) as { pid: number };
    const status = await m.call('GET', `${VM}/agent/exec-status`, { node: 'pve', vmid: 100, pid });
    expect(status).toEqual({ exited: 1, exitcode: 0, 'out-data': 'hello\n' });
    const { result } = (await m.call('GET', `${VM}/agent/network-get-interfaces`, { node: 'pve', vmid: 100 })) as {
      result: { name: string; 'ip-addresses': { 'ip-address': string }[] }[];
    };
    expect(result.map((i) => i.name)).toEqual(['lo', 'eth0', 'eth1']);
    expect(result[1]?.['ip-addresses'][0]?.['ip-address']).toBe('10.0.0.20');
    expect(result[2]?.['ip-addresses'][0]?.['ip-address']).toMatch(/^192\.168\.100\.(1\d\d|2[0-5]\d)$/);
  });
});
