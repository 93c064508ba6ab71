/**
 * The guest provider's typed references: a guest waits for the bridge (on its node) and the
 * storages it uses and for the NFS export it mounts; nothing else becomes an edge — in
 * particular no field is matched by its name (a future stack field called `storage` gets none).
 */
import { describe, expect, it } from 'vitest';
import { PhoenixConfig } from '../../config/schema.ts';
import { buildConfigGraph } from '../../engine/index.ts';
import type { Resource } from '../../engine/handler.ts';
import { pveHostProvider } from '../pve-host/provider.ts';
import { proxmoxProvider } from './provider.ts';

const config = PhoenixConfig.parse({
  version: 1,
  cluster: { nodes: [{ name: 'pve' }] },
  network: { bridges: [{ name: 'vmbr1', cidr: '10.0.0.1/24' }] },
  storage: [{ id: 'tank', type: 'dir', path: '/tank', content: ['images', 'rootdir'] }],
  nfs: { exports: [{ name: 'data', path: '/srv/data' }] },
  guests: [
    {
      id: 101,
      name: 'a',
      type: 'lxc',
      node: 'pve',
      clone: { from: 9000 },
      disk: { storage: 'tank', size: 4 },
      net: [
        { name: 'eth0', bridge: 'vmbr1', ip: '10.0.0.11/24' },
        { name: 'eth1', bridge: 'vmbr7', ip: 'dhcp' },
      ],
      mounts: [{ path: '/data', nfs: 'data' }],
    },
  ],
});
const settings = { config, configDir: '/cfg', nodeShell: true };

describe('proxmox provider references', () => {
  it('names the bridge on its node, its storage and the NFS export it mounts', () => {
    const [guest] = proxmoxProvider.derive(settings).resources.filter((r) => r.kind === 'proxmox.guest');
    expect(guest?.references?.map((r) => r.address).sort()).toEqual([
      'bridge.pve.vmbr1',
      'bridge.pve.vmbr7',
      'node.pve.nfs',
      'storage.tank',
    ]);
  });

  it('draws edges only to declared resources, and never from a field that merely is called storage', () => {
    const host = pveHostProvider.derive(settings).resources;
    const guests = proxmoxProvider.derive(settings).resources;
    const stack: Resource = {
      address: 'stack.app',
      kind: 'test.stack',
      dependsOn: [],
      desired: { storage: 'tank', bridge: 'vmbr1' },
    };
    const { graph } = buildConfigGraph({ resources: [...host, ...guests, stack] });
    expect(graph.dependenciesOf('guest.101').sort()).toEqual(['bridge.pve.vmbr1', 'storage.tank']);
    expect(graph.dependenciesOf('stack.app')).toEqual([]);
  });
});
