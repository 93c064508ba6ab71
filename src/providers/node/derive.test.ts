import { describe, expect, expectTypeOf, it } from 'vitest';
import { PhoenixConfig } from '../../config/schema.ts';
import { deriveNodeResources } from './derive.ts';
import type { NodeSource } from './source.ts';

describe('deriveNodeResources', () => {
  it('accepts the parsed config as its source', () => {
    expectTypeOf<PhoenixConfig>().toExtend<NodeSource>();
  });

  it('derives dnsmasq and NFS resources with their dependencies from a parsed config', () => {
    const config = PhoenixConfig.parse({
      version: 1,
      cluster: { domain: 'lab.internal', nodes: [{ name: 'pve', address: '10.0.0.2' }] },
      guests: [
        {
          id: 101,
          name: 'nginx-gateway',
          type: 'lxc',
          node: 'pve',
          role: 'gateway',
          net: [{ name: 'eth0', bridge: 'vmbr0', ip: '10.0.0.11/24' }],
          mounts: [{ path: '/data', nfs: 'gw-data' }],
        },
      ],
      nfs: { exports: [{ name: 'gw-data', path: '/srv/nfs/gw' }] },
      routes: [{ host: 'app.example.com', target: { guest: 101, port: 80 } }],
    });
    const { resources, diagnostics } = deriveNodeResources(config);
    expect(diagnostics).toEqual([]);
    expect(resources.map((r) => r.address)).toEqual([
      'node.pve.packages.dnsmasq',
      'node.pve.service.dnsmasq',
      'node.pve.dns',
      'node.pve.packages.nfs-kernel-server',
      'node.pve.service.nfs-server',
      'node.pve.nfs',
    ]);
    const dns = resources.find((r) => r.address === 'node.pve.dns')?.desired as { files: Record<string, string> };
    expect(dns.files['/etc/phoenix/dnsmasq.hosts']).toContain(
      '10.0.0.11 app.example.com\n10.0.0.11 nginx-gateway.lab.internal\n',
    );
    const nfs = resources.find((r) => r.address === 'node.pve.nfs')?.desired as { files: Record<string, string> };
    expect(nfs.files['/etc/exports.d/phoenix.exports']).toContain('/srv/nfs/gw 10.0.0.11(rw,sync,no_subtree_check)\n');
  });
});
