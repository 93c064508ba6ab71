import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.ts';
import { cloneLockKey } from './create.ts';
import { deriveResources, fileResourceAddress } from './derive.ts';

describe('deriveResources (examples/homelab)', () => {
  it('derives one resource per guest and template file, with implicit dependencies', async () => {
    const { config } = await loadConfig('examples/homelab');
    const d = deriveResources(config);
    const byAddress = new Map(d.all.map((r) => [r.address, r]));
    expect([...byAddress.keys()].sort()).toEqual(
      [
        'guest.101',
        'guest.102',
        'guest.103',
        'guest.1001',
        'guest.1002',
        'guest.9000',
        fileResourceAddress('debian-12', 'pve'),
        fileResourceAddress('ubuntu-noble', 'pve'),
      ].sort(),
    );
    // Template file, clone source and explicit dependsOn (by name and by id) become edges.
    expect(byAddress.get('guest.101')?.dependsOn.sort()).toEqual(['guest.103', 'template.debian-12.pve'].sort());
    expect(byAddress.get('guest.1001')?.dependsOn.sort()).toEqual(['guest.101', 'guest.102', 'guest.9000'].sort());
    expect(byAddress.get('guest.9000')?.dependsOn).toEqual(['template.ubuntu-noble.pve']);
    expect(byAddress.get('guest.103')?.protected).toBe(true);
  });

  it('resolves sources: OS template volume, clone by name and by vmid, cloud image import', async () => {
    const { config } = await loadConfig('examples/homelab');
    const d = deriveResources(config);
    const spec = (vmid: number) => d.guests.find((g) => g.desired.vmid === vmid)?.desired;
    expect(spec(101)?.source).toEqual({
      kind: 'ostemplate',
      volid: 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst',
      fileAddress: 'template.debian-12.pve',
    });
    expect(spec(1001)?.source).toMatchObject({ kind: 'clone', from: 9000, full: true });
    expect(spec(1002)?.source).toMatchObject({ kind: 'clone', from: 9000 });
    expect(spec(9000)).toMatchObject({
      isTemplate: true,
      running: false,
      source: { kind: 'image', storage: 'local-zfs' },
    });
    expect(spec(9000)?.source).toMatchObject({ volid: 'local:import/noble-server-cloudimg-amd64.img' });
    expect(spec(1002)?.cloudInit).toMatchObject({ user: 'admin', policy: 'restart' });
  });

  it('serialises LXC clones of one source (clone task only); VM clones run in parallel', async () => {
    const { config } = await loadConfig('examples/homelab');
    const base = config.guests.find((g) => g.id === 103);
    if (!base) throw new Error('fixture');
    const extra = [
      {
        ...base,
        id: 201,
        name: 'ct-a',
        template: undefined,
        clone: { from: 103, full: true },
        isTemplate: false,
        protected: false,
      },
      {
        ...base,
        id: 202,
        name: 'ct-b',
        template: undefined,
        clone: { from: 'step-ca', full: true },
        isTemplate: false,
        protected: false,
      },
    ];
    const d = deriveResources({ ...config, guests: [...config.guests, ...extra] as typeof config.guests });
    const key = (vmid: number) => {
      const g = d.guests.find((r) => r.desired.vmid === vmid);
      return g ? cloneLockKey(g.desired) : 'missing';
    };
    expect(key(201)).toBe('clone-source:103');
    expect(key(202)).toBe('clone-source:103');
    expect(key(1001)).toBeUndefined();
    expect(key(101)).toBeUndefined();
  });

  it('serialises QEMU clones of a declared VM that runs (exclusive source flock, spec §5.3)', async () => {
    const { config } = await loadConfig('examples/homelab');
    const vm = config.guests.find((g) => g.id === 1002);
    if (!vm) throw new Error('fixture');
    const extra = [{ ...vm, id: 1003, name: 'copy', clone: { from: 'portainer', full: true }, dependsOn: [] }];
    const d = deriveResources({ ...config, guests: [...config.guests, ...extra] as typeof config.guests });
    const g = (vmid: number) => d.guests.find((r) => r.desired.vmid === vmid);
    expect(cloneLockKey(g(1003)!.desired)).toBe('clone-source:1001');
    expect(cloneLockKey(g(1002)!.desired)).toBeUndefined(); // from template 9000: parallel
  });

  it('gates only the start with dependsOn; the clone source stays a creation dependency', async () => {
    const { config } = await loadConfig('examples/homelab');
    const d = deriveResources(config);
    const g = (vmid: number) => d.guests.find((r) => r.desired.vmid === vmid);
    expect(g(1001)?.startAfter?.sort()).toEqual(['guest.101', 'guest.102']);
    expect(g(1002)?.startAfter).toEqual(['guest.1001']);
    expect(g(103)?.startAfter).toEqual([]);
    expect(g(1001)?.health).toBe('when-needed');
  });

  it('reports an unknown clone source as a config error', async () => {
    const { config } = await loadConfig('examples/homelab');
    const bad = config.guests.map((g) => (g.id === 1002 ? { ...g, clone: { from: 'nope', full: true } } : g));
    expect(() => deriveResources({ ...config, guests: bad as typeof config.guests })).toThrow(
      /configuration has 1 error/,
    );
  });
});
