import { describe, expect, it } from 'vitest';
import { startTestSimulator } from '../../sim/testing.ts';
import { accessApi } from './api/access.ts';
import { clusterApi } from './api/cluster.ts';
import { firewallApi } from './api/firewall.ts';
import { guestApi } from './api/guest.ts';
import { networkApi } from './api/network.ts';
import { storageApi } from './api/storage.ts';
import { createProxmoxClient } from './client.ts';
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

describe('responses validated at the client edge: the reads providers depend on', () => {
  const refuses = async (call: Promise<unknown>, endpoint: RegExp) =>
    expect(call).rejects.toMatchObject({ code: 'E_PVE_RESPONSE', message: expect.stringMatching(endpoint) });

  it('refuses each malformed answer naming the endpoint and the field', async () => {
    const guest = { level: 'guest', node: 'pve', kind: 'lxc', vmid: 101 } as const;
    await refuses(
      guestApi(answering({ cores: { nested: 1 } }), 'lxc').config('pve', 101),
      /^unexpected answer from Proxmox GET \/nodes\/pve\/lxc\/101\/config: cores: /,
    );
    await refuses(
      guestApi(answering([{ value: 1 }]), 'qemu').pending('pve', 100),
      /GET \/nodes\/pve\/qemu\/100\/pending: 0\.key: /,
    );
    await refuses(guestApi(answering({ vmid: 101 }), 'lxc').status('pve', 101), /status\/current: status: /);
    await refuses(storageApi(answering([{ type: 'dir' }])).list('pve'), /GET \/nodes\/pve\/storage: 0\.storage: /);
    await refuses(
      storageApi(answering([{ type: 'dir' }])).definitions(),
      /^unexpected answer from Proxmox GET \/storage: 0\.storage: /,
    );
    await refuses(networkApi(answering([{ iface: 'vmbr0', active: 'yes' }])).list('pve'), /network: 0\.type: /);
    await refuses(accessApi(answering({ userid: 'a@pve' })).users(), /GET \/access\/users: the answer: /);
    await refuses(
      accessApi(answering([{ path: '/', type: 'robot', ugid: 'a@pve', roleid: 'R' }])).acl(),
      /GET \/access\/acl: 0\.type: /,
    );
    await refuses(accessApi(answering([{ privs: 'VM.Audit' }])).roles(), /GET \/access\/roles: 0\.roleid: /);
    await refuses(accessApi(answering([{ poolid: 7 }])).pools(), /GET \/pools: 0\.poolid: /);
    await refuses(
      firewallApi(answering([{ pos: 'first', type: 'in', action: 'ACCEPT' }])).rules(guest),
      /GET \/nodes\/pve\/lxc\/101\/firewall\/rules: 0\.pos: /,
    );
    await refuses(
      firewallApi(answering([{ name: 'phoenix-lease' }])).aliases({ level: 'cluster' }),
      /GET \/cluster\/firewall\/aliases: 0\.cidr: /,
    );
    await refuses(firewallApi(answering([{ comment: 'x' }])).ipsets(guest), /firewall\/ipset: 0\.name: /);
    await refuses(firewallApi(answering([{ nomatch: 1 }])).ipsetEntries(guest, 's'), /ipset\/s: 0\.cidr: /);
    await refuses(firewallApi(answering(null)).groups(), /GET \/cluster\/firewall\/groups: the answer: /);
  });

  it('accepts what PVE sends either way: numeric strings as numbers, booleans as 0/1, unknown fields kept', async () => {
    expect(
      await firewallApi(
        answering([{ pos: '0', type: 'in', action: 'ACCEPT', enable: '1', dport: 22, ipversion: 4 }]),
      ).rules({ level: 'cluster' }),
    ).toEqual([{ pos: 0, type: 'in', action: 'ACCEPT', enable: 1, dport: '22', ipversion: 4 }]);
    expect(await guestApi(answering({ onboot: true, cores: 2, name: 'w', x: null }), 'qemu').config('pve', 1)).toEqual({
      onboot: 1,
      cores: 2,
      name: 'w',
      x: undefined,
    });
    expect(await accessApi(answering([{ path: '/', type: 'user', ugid: 'a@pve', roleid: 'R' }])).acl()).toEqual([
      { path: '/', type: 'user', ugid: 'a@pve', roleid: 'R', propagate: 1 },
    ]);
  });

  it('passes every validated read of a real simulator answer', async () => {
    const sim = await startTestSimulator();
    const token = sim.token;
    const cut = token.lastIndexOf('=');
    const pve = createProxmoxClient({
      endpoint: sim.url,
      tokenId: token.slice(0, cut),
      tokenSecret: token.slice(cut + 1),
    });
    try {
      const vmid = await pve.cluster.nextId();
      await pve.waitForTask(
        'pve',
        await pve.lxc.create('pve', {
          vmid,
          hostname: 'web1',
          ostemplate: 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst',
          rootfs: 'local-lvm:8',
          memory: 512,
          net0: 'name=eth0,bridge=vmbr0,ip=dhcp',
        }),
      );
      const guest = { level: 'guest', node: 'pve', kind: 'lxc', vmid } as const;
      await pve.firewall.createAlias({ level: 'cluster' }, { name: 'phoenix-lease', cidr: '10.0.0.1' });
      await pve.firewall.createRule(guest, { type: 'in', action: 'ACCEPT', proto: 'tcp', dport: '22', enable: 1 });
      await pve.firewall.createIpset(guest, 'allow');
      await pve.firewall.addIpsetEntry(guest, 'allow', { cidr: '10.0.0.0/24' });
      await pve.firewall.createGroup('web');
      await pve.access.createPool('phoenix');
      expect((await pve.lxc.config('pve', vmid)).hostname).toBe('web1');
      expect(Array.isArray(await pve.lxc.pending('pve', vmid))).toBe(true);
      expect((await pve.lxc.status('pve', vmid)).status).toBe('stopped');
      expect((await pve.storage.list('pve')).length).toBeGreaterThan(0);
      expect((await pve.storage.definitions()).some((d) => d.storage === 'local' && d.type === 'dir')).toBe(true);
      expect((await pve.network.list('pve')).some((i) => i.iface === 'vmbr0')).toBe(true);
      expect((await pve.access.users()).length).toBeGreaterThan(0);
      expect((await pve.access.roles()).some((r) => r.roleid === 'PVEAuditor')).toBe(true);
      await pve.access.acl();
      expect((await pve.access.pools()).map((p) => p.poolid)).toContain('phoenix');
      expect((await pve.firewall.rules(guest))[0]).toMatchObject({ pos: 0, type: 'in', dport: '22' });
      expect((await pve.firewall.aliases({ level: 'cluster' }))[0]).toMatchObject({ name: 'phoenix-lease' });
      expect((await pve.firewall.ipsets(guest)).map((s) => s.name)).toEqual(['allow']);
      expect((await pve.firewall.ipsetEntries(guest, 'allow'))[0]?.cidr).toBe('10.0.0.0/24');
      expect((await pve.firewall.groups()).map((g) => g.group)).toContain('web');
      await pve.firewall.groupRules('web');
    } finally {
      await pve.close();
      await sim.stop();
    }
  });
});
