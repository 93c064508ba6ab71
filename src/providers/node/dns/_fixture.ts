/** Test-only: a small config in the shape of the reference topology, for DNS and NFS tests. */
import type { NodeSource } from '../source.ts';

export function homelabSource(): NodeSource {
  return {
    cluster: { domain: 'home.arpa', nodes: [{ name: 'pve', address: '10.0.0.2' }] },
    guests: [
      { id: 101, name: 'nginx-gateway', node: 'pve', net: [{ ip: '10.0.0.11/24' }], role: 'gateway', mounts: [] },
      { id: 102, name: 'traefik-internal', node: 'pve', net: [{ ip: '10.0.0.12/24' }], role: 'traefik', mounts: [] },
      { id: 103, name: 'step-ca', node: 'pve', net: [{ ip: '10.0.0.13/24' }], role: 'step-ca', mounts: [] },
      {
        id: 1001,
        name: 'portainer',
        node: 'pve',
        net: [{ ip: '10.0.0.21/24' }],
        role: ['swarm-manager', 'portainer-server'],
        mounts: [{ path: '/srv/data', nfs: 'swarm-data', readOnly: false }],
      },
      {
        id: 1002,
        name: 'worker',
        node: 'pve',
        net: [{ ip: '10.0.0.22/24' }],
        role: 'swarm-worker',
        mounts: [
          { path: '/srv/data', nfs: 'swarm-data', readOnly: false },
          { path: '/srv/media', nfs: 'media', readOnly: true },
        ],
      },
    ],
    routes: [{ host: 'app.example.com' }, { host: 'portainer.home.arpa' }],
    dns: {
      records: [
        { name: 'ca', type: 'CNAME', value: 'step-ca' },
        { name: 'printer', type: 'A', value: '10.0.0.50' },
      ],
    },
    nfs: {
      exports: [
        { name: 'swarm-data', path: '/srv/nfs/swarm-data', clients: [], options: ['rw', 'sync', 'no_subtree_check'] },
        { name: 'media', path: '/srv/nfs/media', clients: [], options: ['rw', 'sync', 'no_subtree_check'] },
        { name: 'unused', path: '/srv/nfs/unused', clients: [], options: ['rw', 'sync', 'no_subtree_check'] },
      ],
    },
  };
}
