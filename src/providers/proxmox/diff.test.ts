import { describe, expect, it } from 'vitest';
import { diffGuest, type ObservedGuest } from './diff.ts';
import { MANAGED_TAG, type GuestSpec } from './spec.ts';

function lxc(overrides: Partial<GuestSpec> = {}): GuestSpec {
  return {
    vmid: 101,
    name: 'nginx-gateway',
    type: 'lxc',
    node: 'pve',
    source: { kind: 'ostemplate', volid: 'local:vztmpl/debian-12.tar.zst', fileAddress: 'file.x' },
    cores: 2,
    memory: 1024,
    swap: 512,
    disk: { storage: 'local-lvm', sizeGiB: 8 },
    net: [{ name: 'eth0', index: 0, bridge: 'vmbr0', ip: '10.0.0.11/24', gateway: '10.0.0.1', firewall: true }],
    nameserver: '10.0.0.1',
    searchdomain: 'home.arpa',
    unprivileged: true,
    features: { nesting: true },
    mounts: [],
    onboot: true,
    startup: { order: 2 },
    tags: ['gateway'],
    snapshots: [],
    isTemplate: false,
    protected: false,
    running: true,
    dependsOn: [],
    ...overrides,
  };
}

/** The config as PVE writes it back: canonical order, sizes with units, generated MAC, veth type. */
function observedLxc(config: Record<string, unknown> = {}): ObservedGuest {
  return {
    vmid: 101,
    type: 'lxc',
    node: 'pve',
    status: 'running',
    template: false,
    tags: ['gateway', MANAGED_TAG],
    managed: true,
    config: {
      hostname: 'nginx-gateway',
      cores: 2,
      memory: 1024,
      swap: 512,
      net0: 'name=eth0,bridge=vmbr0,firewall=1,gw=10.0.0.1,hwaddr=BC:24:11:8E:1A:6B,ip=10.0.0.11/24,type=veth',
      rootfs: 'local-lvm:vm-101-disk-0,size=8G',
      nameserver: '10.0.0.1',
      searchdomain: 'home.arpa',
      unprivileged: 1,
      features: 'nesting=1',
      onboot: 1,
      startup: 'order=2',
      tags: 'gateway;phoenix-managed',
      digest: 'abc',
      ...config,
    },
  };
}

describe('diffGuest', () => {
  it('creates a guest that is not there', () => {
    expect(diffGuest(lxc(), undefined).action).toBe('create');
  });

  it('sees no change when PVE wrote the same meaning in its own canonical form', () => {
    const d = diffGuest(lxc(), observedLxc());
    expect(d.changes).toEqual([]);
    expect(d.action).toBe('noop');
  });

  it('reports exactly the attribute changed out of band, as an in-place update', () => {
    const d = diffGuest(lxc(), observedLxc({ memory: 2048 }));
    expect(d.changes).toEqual([{ path: 'memory', before: '2048', after: '1024', effect: 'in-place' }]);
    expect(d.action).toBe('update');
  });

  it('asks for a restart when a running container changes features', () => {
    const d = diffGuest(lxc(), observedLxc({ features: 'nesting=0' }));
    expect(d.action).toBe('update-restart');
    expect(d.changes.map((c) => c.path)).toEqual(['features.nesting']);
  });

  it('grows a disk in place but replaces on shrink', () => {
    expect(diffGuest(lxc(), observedLxc({ rootfs: 'local-lvm:vm-101-disk-0,size=4G' })).action).toBe('update');
    expect(diffGuest(lxc(), observedLxc({ rootfs: 'local-lvm:vm-101-disk-0,size=16G' })).action).toBe('replace');
  });

  it('treats a guest on another node as the same guest (moved, never replaced)', () => {
    const d = diffGuest(lxc(), { ...observedLxc(), node: 'pve2' });
    expect(d.action).toBe('noop');
    expect(d.movedFrom).toBe('pve2');
  });

  it('starts a stopped guest', () => {
    const d = diffGuest(lxc(), { ...observedLxc(), status: 'stopped' });
    expect(d.changes).toEqual([{ path: 'status', before: 'stopped', after: 'running', effect: 'power' }]);
  });

  it('follows the cloud-init policy for a running VM', () => {
    const vm: GuestSpec = {
      ...lxc(),
      vmid: 1001,
      name: 'portainer',
      type: 'vm',
      source: { kind: 'clone', from: 9000 },
      swap: undefined,
      unprivileged: undefined,
      features: undefined,
      net: [{ name: 'net0', index: 0, bridge: 'vmbr0', ip: '10.0.0.21/24', gateway: '10.0.0.1' }],
      cloudInit: { user: 'ops', sshKeys: ['ssh-ed25519 AAAA me@host'], policy: 'restart' },
      agent: true,
    };
    const config = {
      name: 'portainer',
      cores: 2,
      memory: 1024,
      agent: 'enabled=1',
      net0: 'virtio=BC:24:11:2E:4F:7A,bridge=vmbr0',
      ipconfig0: 'ip=10.0.0.21/24,gw=10.0.0.1',
      scsi0: 'local-lvm:base-9000-disk-0/vm-1001-disk-0,size=8G',
      ide2: 'local-lvm:vm-1001-cloudinit,media=cdrom',
      ciuser: 'ops',
      sshkeys: 'ssh-ed25519%20AAAA%20me%40host',
      nameserver: '10.0.0.1',
      searchdomain: 'home.arpa',
      onboot: 1,
      startup: 'order=2',
      tags: 'gateway;phoenix-managed',
    };
    const observed: ObservedGuest = { ...observedLxc(), vmid: 1001, type: 'vm', config };
    expect(diffGuest(vm, observed).action).toBe('noop');
    const changed = { ...observed, config: { ...config, ciuser: 'root' } };
    expect(diffGuest(vm, changed).action).toBe('update-restart');
    const ignoring = { ...vm, cloudInit: { ...vm.cloudInit!, policy: 'ignore' as const } };
    expect(diffGuest(ignoring, changed).action).toBe('update');
  });
});

describe('tags', () => {
  it('compare like PVE stores them: lower-cased, sorted, unique', () => {
    const spec = lxc({ tags: ['Gateway', 'edge'] });
    const observed = observedLxc({ tags: 'edge;gateway;phoenix-managed' });
    expect(diffGuest(spec, observed).changes).toEqual([]);
  });
});
