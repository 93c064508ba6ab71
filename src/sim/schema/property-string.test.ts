import { describe, expect, it } from 'vitest';
import {
  canonicalPropertyString,
  formatSize,
  parsePropertyString,
  parseSize,
  printPropertyString,
} from './property-string.ts';
import { getEndpoint } from './table.ts';
import type { PropertyFormat } from './types.ts';

function formatOf(method: string, route: string, param: string): PropertyFormat {
  const format = getEndpoint(method, route)?.parameters.properties[param]?.format;
  if (typeof format !== 'object') throw new Error(`${param} has no inline format`);
  return format;
}

const lxcNet = formatOf('POST', '/nodes/{node}/lxc', 'net[n]');
const qemuNet = formatOf('POST', '/nodes/{node}/qemu', 'net[n]');
const scsi = formatOf('POST', '/nodes/{node}/qemu', 'scsi[n]');
const rootfs = formatOf('POST', '/nodes/{node}/lxc', 'rootfs');

describe('parsePropertyString', () => {
  it('types values: integers as numbers, booleans as 0/1 (parse_boolean accepts on/yes/true)', () => {
    const parsed = parsePropertyString(lxcNet, 'name=eth0,bridge=vmbr0,firewall=yes,mtu=1400,tag=20');
    expect(parsed.message).toBeUndefined();
    expect(parsed.value).toEqual({ name: 'eth0', bridge: 'vmbr0', firewall: 1, mtu: 1400, tag: 20 });
  });

  it('fills the default key from a bare value and resolves key aliases (virtio=MAC)', () => {
    expect(parsePropertyString(rootfs, 'local-lvm:8').value).toEqual({ volume: 'local-lvm:8' });
    const nic = parsePropertyString(qemuNet, 'virtio=BC:24:11:2E:4F:7A,bridge=vmbr0');
    expect(nic.value).toEqual({ model: 'virtio', macaddr: 'BC:24:11:2E:4F:7A', bridge: 'vmbr0' });
  });

  it('applies schema defaults only when asked', () => {
    const parsed = parsePropertyString(rootfs, 'local-lvm:8', { defaults: true });
    expect(parsed.value).toMatchObject({ volume: 'local-lvm:8', replicate: 1, shared: 0 });
  });

  it.each([
    ['name=eth0,bridge=a,bridge=b', 'duplicate key in comma-separated list property: bridge\n'],
    ['eth0', 'value without key, but schema does not define a default key\n'],
    ['name=eth0,colour=red', 'invalid key in comma-separated list property: colour\n'],
    ['=x', 'missing key in comma-separated list property\n'],
  ])('rejects the syntax error in %s', (text, message) => {
    expect(parsePropertyString(lxcNet, text).message).toBe(message);
  });

  it('reports key errors as a nested "format error" keyed by param.key', () => {
    const parsed = parsePropertyString(lxcNet, 'bridge=vmbr0,tag=5000,firewall=maybe', { path: 'net0' });
    expect(parsed.errors).toEqual({
      'net0.name': 'property is missing and it is not optional',
      'net0.tag': 'value must have a maximum value of 4094',
      'net0.firewall': "type check ('boolean') failed - got 'maybe'",
    });
    expect(parsed.message).toBe(
      'format error\n' +
        "net0.firewall: type check ('boolean') failed - got 'maybe'\n" +
        'net0.name: property is missing and it is not optional\n' +
        'net0.tag: value must have a maximum value of 4094\n',
    );
  });

  it('checks named formats inside property strings', () => {
    expect(parsePropertyString(lxcNet, 'name=eth0,ip=10.0.0.300/24').errors['ip']).toMatch(/^invalid format - /);
    expect(parsePropertyString(lxcNet, 'name=eth0,hwaddr=01:00:00:00:00:01').errors['hwaddr']).toMatch(/unicast/);
  });

  it('parses the named formats the schema does not inline (ipconfig, startup)', () => {
    expect(parsePropertyString('pve-qm-ipconfig', 'ip=dhcp,ip6=auto').value).toEqual({ ip: 'dhcp', ip6: 'auto' });
    expect(parsePropertyString('pve-qm-ipconfig', 'ip=10.0.0.5').message).toMatch(/ip: invalid format/);
    expect(parsePropertyString('pve-startup-order', '3,up=10').value).toEqual({ order: 3, up: 10 });
  });
});

describe('printPropertyString (spec §6.1 canonical order)', () => {
  it.each([
    [
      lxcNet,
      'ip=10.0.0.2/24,type=veth,gw=10.0.0.1,firewall=1,bridge=vmbr0,hwaddr=BC:24:11:8E:1A:6B,name=eth0',
      'name=eth0,bridge=vmbr0,firewall=1,gw=10.0.0.1,hwaddr=BC:24:11:8E:1A:6B,ip=10.0.0.2/24,type=veth',
    ],
    [qemuNet, 'bridge=vmbr0,firewall=1,virtio=BC:24:11:2E:4F:7A', 'virtio=BC:24:11:2E:4F:7A,bridge=vmbr0,firewall=1'],
    [scsi, 'size=34359738368,file=local-lvm:vm-100-disk-0,iothread=1', 'local-lvm:vm-100-disk-0,iothread=1,size=32G'],
    [rootfs, 'volume=local:101/vm-101-disk-0.raw,size=8192M', 'local:101/vm-101-disk-0.raw,size=8G'],
  ])('%#: re-serialises canonically', (format, input, expected) => {
    expect(canonicalPropertyString(format, input)).toBe(expected);
  });

  it('refuses values with commas and unknown keys', () => {
    expect(() => printPropertyString(lxcNet, { name: 'a,b' })).toThrow('illegal value with commas for name');
    expect(() => printPropertyString(lxcNet, { name: 'a', nope: 1 })).toThrow("invalid key 'nope'");
  });
});

describe('sizes', () => {
  it.each([
    ['8G', '8G'],
    ['8192M', '8G'],
    ['1536M', '1536M'],
    ['4194304', '4M'],
    ['1000', '1000'],
    ['0.5T', '512G'],
    ['4GiB', '4G'],
  ])('format_size(%s) = %s', (input, expected) => {
    expect(formatSize(input)).toBe(expected);
  });

  it('rejects sizes PVE cannot parse', () => {
    expect(parseSize('8 GB')).toBeUndefined();
    expect(parseSize('-1')).toBeUndefined();
  });
});
