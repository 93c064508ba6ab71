/**
 * The shared handler contract suite (_handler-contract.ts) run for every handler the registry's
 * providers build — guests and template files, the host objects, and the node shell's
 * dnsmasq/NFS files, packages and services — on examples/homelab with the built-in simulator
 * (API and node SSH). Drift is made behind Phoenix's back through each system's own interface.
 */
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPhoenix } from '../../src/app/create-phoenix.ts';
import { handlerContractSuite, type ContractEnv } from './_handler-contract.ts';

handlerContractSuite('every provider of the registry on examples/homelab', async (): Promise<ContractEnv> => {
  const dir = mkdtempSync(join(tmpdir(), 'phoenix-contract-'));
  cpSync('examples/homelab', dir, { recursive: true, filter: (src) => !src.includes('.phoenix') });
  let mutating = 0;
  const open = () =>
    createPhoenix({
      configDir: dir,
      simulator: { speed: 0 },
      onRequest: (e) => {
        if (e.method !== 'GET') mutating += 1;
      },
    });
  const outOfBand = async (fn: (client: Awaited<ReturnType<typeof open>>['client']) => Promise<unknown>) => {
    const p = await open();
    try {
      await fn(p.client);
    } finally {
      await p.close();
    }
  };
  const tree = join(dir, '.phoenix', 'simulator.json.d', 'nodes', 'pve', 'root');
  return {
    open,
    mutating: () => mutating,
    kinds: [
      'proxmox.guest',
      'proxmox.file',
      'pve.bridge',
      'pve.zfs',
      'pve.storage',
      'pve.pool',
      'pve.role',
      'pve.user',
      'pve.token',
      'pve.acl',
      'pve.firewall',
      'pve.fw-group',
      'pve.fw-ipset',
      'pve.fw-alias',
      'node.dns',
      'node.nfs',
      'node.packages',
      'node.service',
    ],
    drifts: [
      {
        address: 'guest.102',
        apply: () => outOfBand((c) => c.request('PUT', '/nodes/pve/lxc/102/config', { memory: 777 })),
      },
      {
        address: 'firewall.alias.lan',
        apply: () => outOfBand((c) => c.firewall.updateAlias({ level: 'cluster' }, 'lan', { cidr: '192.168.9.0/24' })),
      },
      {
        address: 'node.pve.dns',
        apply: async () => appendFileSync(join(tree, 'etc', 'phoenix', 'dnsmasq.hosts'), '10.9.9.9 intruder\n'),
      },
    ],
    imports: [
      {
        id: '150',
        address: 'guest.150',
        prepare: () =>
          outOfBand(async (c) =>
            c.waitForTask(
              'pve',
              await c.lxc.create('pve', {
                vmid: 150,
                ostemplate: 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst',
                hostname: 'legacy',
                rootfs: 'local-zfs:4',
                memory: 256,
                net0: 'name=eth0,bridge=vmbr1,ip=10.10.0.150/24,gw=10.10.0.1',
              }),
            ),
          ),
      },
    ],
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
