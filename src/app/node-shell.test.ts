/**
 * The app's node-shell wiring without a network: which access an environment gets, that node
 * resources are left out (with a warning) when the nodes cannot be reached, and the ordering
 * edges between them and the guests.
 */
import { describe, expect, it } from 'vitest';
import type { ProxmoxClient } from '../clients/proxmox/index.ts';
import { PhoenixConfig } from '../config/schema.ts';
import { buildConfigGraph } from '../engine/index.ts';
import { nodeProvider, nodeTransports } from '../providers/node/provider.ts';
import type { ProviderRuntime } from '../providers/provider.ts';
import { proxmoxProvider } from '../providers/proxmox/provider.ts';
import { nodeShellAccess, type NodeShellAccess, type NodeSshEndpoints } from './node-shell.ts';
import { deriveEnvironment } from './providers.ts';

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
      clone: { from: 9000 },
      net: [{ name: 'eth0', bridge: 'vmbr0', ip: '10.0.0.11/24' }],
    },
    {
      id: 1002,
      name: 'worker',
      type: 'vm',
      node: 'pve',
      net: [{ name: 'net0', bridge: 'vmbr0', ip: '10.0.0.22/24' }],
      mounts: [{ path: '/srv/data', nfs: 'data' }],
      clone: { from: 9000 },
    },
  ],
  nfs: { exports: [{ name: 'data', path: '/srv/nfs/data' }] },
});
const proxmox = { qemu: {} } as unknown as ProxmoxClient;
const endpoints: NodeSshEndpoints = {
  endpoints: { pve: { host: '127.0.0.1', port: 2222, hostKeyFingerprint: `SHA256:${'A'.repeat(43)}` } },
  privateKey: 'unused: nothing connects in this test',
};

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

  const settings = { config, configDir: '/cfg', nodeShell: true };
  const runtime = (nodeAccess?: NodeShellAccess): ProviderRuntime => ({
    ...settings,
    environment: 'test',
    identity: 'test',
    resolveSecret: async () => 'k',
    proxmox: () => proxmox,
    nodeAccess,
    isAdopted: () => false,
    onClose: (close) => void closers.push(close),
  });
  const closers: (() => Promise<void>)[] = [];

  it('leaves node resources out with a warning when the nodes cannot be reached', () => {
    const derived = nodeProvider.derive({ ...settings, nodeShell: false });
    expect(derived.resources).toEqual([]);
    expect(derived.diagnostics?.map((w) => w.code)).toEqual(['W_NODE_NO_SSH']);
  });

  it('adds node resources and handlers; DNS after the guests, the mounting guest after its export', async () => {
    const handlers = await nodeProvider.handlers(runtime({ kind: 'endpoints', ssh: endpoints }));
    try {
      expect(handlers.map((h) => h.kind).sort()).toEqual(
        ['node.dns', 'node.file', 'node.nfs', 'node.packages', 'node.probe', 'node.service'].sort(),
      );
      const resources = [...proxmoxProvider.derive(settings).resources, ...nodeProvider.derive(settings).resources];
      const { graph } = buildConfigGraph({ resources });
      expect(graph.dependenciesOf('node.pve.dns')).toEqual(expect.arrayContaining(['guest.101', 'guest.1002']));
      expect(graph.dependenciesOf('guest.1002')).toContain('node.pve.nfs');
      expect(graph.dependenciesOf('guest.101')).not.toContain('node.pve.nfs');
      expect(graph.has('node.pve.nfs')).toBe(true);
    } finally {
      for (const close of closers.splice(0)) await close();
    }
  });

  it('a real host without a pinned key or known_hosts is refused with a hint', async () => {
    const ssh = { user: 'root', port: 22, privateKey: 'file:key' };
    // createPhoenix opens the node transports once for every provider working in guests.
    await expect(
      nodeTransports({ kind: 'config', ssh, configDir: '/cfg', resolveSecret: async () => 'k' }, config),
    ).rejects.toMatchObject({ code: 'E_SSH_NO_HOST_KEY' });
  });

  it('refuses a config whose DNS names conflict, before anything connects', async () => {
    const bad = PhoenixConfig.parse({ ...config, dns: { records: [{ name: 'gw', type: 'A', value: '10.0.0.99' }] } });
    await expect(deriveEnvironment([nodeProvider], { ...settings, config: bad })).rejects.toThrow(
      expect.objectContaining({ code: 'E_CONFIG' }),
    );
  });
});
