import { describe, it, expect } from 'vitest';
import { FORMATS, formatSize, parseProps, parseSize, printProps } from './props.ts';
import { SimApiError } from '../contract.ts';

describe('property strings (spec §6.1)', () => {
  it('prints the default key first, then required keys, then the rest sorted', () => {
    const mp = parseProps('mp=/data,size=8G,local-lvm:vm-100-disk-1,backup=1', FORMATS.lxcMp);
    expect(printProps(mp, FORMATS.lxcMp)).toBe('local-lvm:vm-100-disk-1,mp=/data,backup=1,size=8G');
    const net = parseProps('ip=dhcp,bridge=vmbr0,name=eth0', FORMATS.lxcNet);
    expect(printProps(net, FORMATS.lxcNet)).toBe('name=eth0,bridge=vmbr0,ip=dhcp');
  });

  it('treats a QEMU NIC model key as model + macaddr and prints <model>=<mac> first', () => {
    const net = parseProps('bridge=vmbr0,virtio=BC:24:11:00:00:01,firewall=1', FORMATS.qemuNet);
    expect(net).toEqual({ bridge: 'vmbr0', model: 'virtio', macaddr: 'BC:24:11:00:00:01', firewall: '1' });
    expect(printProps(net, FORMATS.qemuNet)).toBe('virtio=BC:24:11:00:00:01,bridge=vmbr0,firewall=1');
  });

  it('rejects duplicate keys and bare values without a default key with the PVE texts', () => {
    expect(() => parseProps('name=a,name=b', FORMATS.lxcNet)).toThrow(
      'duplicate key in comma-separated list property: name',
    );
    expect(() => parseProps('eth0', FORMATS.lxcNet)).toThrow(SimApiError);
  });

  it('formats sizes with the largest exact unit and parses them back', () => {
    expect(formatSize(8 * 1024 ** 3)).toBe('8G');
    expect(formatSize(512 * 1024)).toBe('512K');
    expect(formatSize(1536 * 1024 ** 2)).toBe('1536M');
    expect(formatSize(1000)).toBe('1000');
    expect(parseSize('1.5G')).toBe(1.5 * 1024 ** 3);
    expect(parseSize('4GiB')).toBe(4 * 1024 ** 3);
    expect(parseSize('x')).toBeUndefined();
  });
});
