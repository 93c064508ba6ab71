import { describe, expect, it } from 'vitest';
import { clusterApi } from './api/cluster.ts';
import type { ProxmoxTransport } from './types.ts';

const answering = (answer: unknown): ProxmoxTransport => ({ request: async <T>() => answer as T });

describe('responses validated at the client edge', () => {
  it('passes a well-formed answer through, unknown fields kept', async () => {
    const rows = await clusterApi(
      answering([{ id: 'lxc/101', type: 'lxc', vmid: 101, node: 'pve', tags: 'phoenix-managed', cpu: 0.1 }]),
    ).resources('vm');
    expect(rows).toEqual([{ id: 'lxc/101', type: 'lxc', vmid: 101, node: 'pve', tags: 'phoenix-managed', cpu: 0.1 }]);
  });

  it('refuses a malformed answer naming the request and the field, instead of casting it', async () => {
    await expect(
      clusterApi(answering([{ id: 'lxc/101', type: 'lxc', vmid: '101x' }])).resources('vm'),
    ).rejects.toMatchObject({
      code: 'E_PVE_RESPONSE',
      message: expect.stringMatching(/^unexpected answer from Proxmox GET \/cluster\/resources: 0\.vmid: /),
    });
    await expect(clusterApi(answering('<html>')).nodes()).rejects.toMatchObject({ code: 'E_PVE_RESPONSE' });
    await expect(clusterApi(answering({ upid: 'x', status: 'weird' })).taskStatus('pve', 'x')).rejects.toMatchObject({
      code: 'E_PVE_RESPONSE',
    });
  });
});
