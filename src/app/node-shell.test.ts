/**
 * The app's node-shell wiring without a network: which access an environment gets, that node
 * resources are left out (with a warning) when the nodes cannot be reached, and the ordering
 * edges between them and the guests.
 */
import { describe, expect, it } from 'vitest';
import type { ProxmoxClient } from '../clients/proxmox/index.ts';
import { PhoenixConfig } from '../config/schema.ts';
import type { Resource } from '../engine/handler.ts';
import { nodeShellAccess, wireNodeShell, type NodeSshEndpoints } from './node-shell.ts';

const config = PhoenixConfig.parse({
  version: 1,
  cluster: { domain: 'home.arpa', nodes: [{ name: 'pve', address: '10.0.0.2' }] },
  guests: [
    {
      id: 101,
      name: 'gw',
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
      mounts: [{ path: '/srv/data', nfs: 'data' }],
    },
  ],
  nfs: { exports: [{ name: 'data', path: '/srv/nfs/data' }] },
});
const proxmox = { qemu: {} } as unknown as ProxmoxClient;
const endpoints: NodeSshEndpoints = {
  endpoints: { pve: { host: '127.0.0.1', port: 2222, hostKeyFingerprint: `SHA256:${'A'.repeat(43)}` } },
  privateKey: 'unused: nothing connects in this test',
};
const guest = (vmid: number): Resource => ({
  address: `guest.${vmid}`,
  kind: 'proxmox.guest',
  dependsOn: [],
  desired: {},
});

describe('node shell wiring', () => {
  it('picks the access of the environment', () => {
    const base = { configDir: '/cfg', resolveSecret: async () => '' };
    expect(nodeShellAccess({ ...base, endpoint: {}, hasProxmox: false, simulatorSsh: endpoints })).toBeUndefined();
    expect(nodeShellAccess({ ...base, endpoint: { ssh: endpoints }, hasProxmox: true })?.kind).toBe('endpoints');
    expect(nodeShellAccess({ ...base, hasProxmox: true })).toBeUndefined();
    const ssh = {
      user: 'root',
      port: 22,
      privateKey: 'file:key',
      hostKeyFingerprint: endpoints.endpoints.pve?.hostKeyFingerprint,
    };
    expect(nodeShellAccess({ ...base, hasProxmox: true, proxmoxSsh: ssh })?.kind).toBe('config');
    expect(nodeShellAccess({ ...base, hasProxmox: false, simulatorSsh: endpoints })?.kind).toBe('endpoints');
  });

  it('leaves node resources out with a warning when the nodes cannot be reached', async () => {
    const wired = await wireNodeShell({ config, proxmox });
    expect(wired.resources).toEqual([]);
    expect(wired.handlers).toEqual([]);
    expect(wired.warnings.map((w) => w.code)).toEqual(['W_NODE_NO_SSH']);
    expect(wired.link([guest(101)])).toEqual([guest(101)]);
  });

  it('adds node resources and handlers; DNS after the guests, the mounting guest after its export', async () => {
    const wired = await wireNodeShell({ config, proxmox, access: { kind: 'endpoints', ssh: endpoints } });
    try {
      expect(wired.handlers.map((h) => h.kind).sort()).toEqual(
        ['node.dns', 'node.file', 'node.nfs', 'node.packages', 'node.probe', 'node.service'].sort(),
      );
      const guests = [guest(101), guest(1002)];
      const linked = new Map(wired.link(guests).map((r) => [r.address, r]));
      expect(linked.get('node.pve.dns')?.dependsOn).toEqual(expect.arrayContaining(['guest.101', 'guest.1002']));
      expect(linked.get('guest.1002')?.dependsOn).toEqual(['node.pve.nfs']);
      expect(linked.get('guest.101')?.dependsOn).toEqual([]);
      expect(guests[1]?.dependsOn).toEqual([]); // copies, never mutated
      expect(linked.has('node.pve.nfs')).toBe(true);
    } finally {
      await wired.close();
    }
  });

  it('a real host without a pinned key or known_hosts is refused with a hint', async () => {
    const ssh = { user: 'root', port: 22, privateKey: 'file:key' };
    await expect(
      wireNodeShell({
        config,
        proxmox,
        access: { kind: 'config', ssh, configDir: '/cfg', resolveSecret: async () => 'k' },
      }),
    ).rejects.toMatchObject({ code: 'E_SSH_NO_HOST_KEY' });
  });

  it('refuses a config whose DNS names conflict, before anything connects', async () => {
    const bad = PhoenixConfig.parse({ ...config, dns: { records: [{ name: 'gw', type: 'A', value: '10.0.0.99' }] } });
    await expect(
      wireNodeShell({ config: bad, proxmox, access: { kind: 'endpoints', ssh: endpoints } }),
    ).rejects.toMatchObject({
      code: 'E_CONFIG',
    });
  });
});
