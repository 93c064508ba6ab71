import { describe, it, expect } from 'vitest';
import { agentInterfaces, newGuestOs, runCommand } from './guest-os.ts';
import { leaseFor, resolveIpv4 } from './dhcp.ts';

describe('simulated guest OS', () => {
  it('runs the simulated builtins and reports unknown commands like a shell', () => {
    const os = newGuestOs('web1');
    os.files['/etc/motd'] = { content: 'hi\n' };
    const cat = runCommand(os, ['cat', '/etc/motd'], 'web1');
    expect(os.execs[String(cat)]).toEqual({ exitcode: 0, out: 'hi\n', err: '' });
    const missing = runCommand(os, ['cat', '/nope'], 'web1');
    expect(os.execs[String(missing)]).toMatchObject({ exitcode: 1, err: 'cat: /nope: No such file or directory\n' });
    const unknown = runCommand(os, ['apt-get', 'install'], 'web1');
    expect(os.execs[String(unknown)]?.exitcode).toBe(127);
    expect(os.execs[String(runCommand(os, ['hostname'], 'web1'))]?.out).toBe('web1\n');
    expect(os.execs[String(runCommand(os, ['ls', '/etc'], 'web1'))]?.out).toBe('hostname\nmotd\nos-release\n');
  });

  it('hands out stable DHCP leases per MAC from .100 up', () => {
    const leases = new Map<string, string>();
    expect(leaseFor(leases, 'BC:24:11:00:00:01', '10.0.0.1/24')).toBe('10.0.0.100/24');
    expect(leaseFor(leases, 'BC:24:11:00:00:02', '10.0.0.1/24')).toBe('10.0.0.101/24');
    expect(leaseFor(leases, 'BC:24:11:00:00:01', '10.0.0.1/24')).toBe('10.0.0.100/24');
    expect(resolveIpv4(leases, { name: 'eth0', mac: 'x' }, 'manual', '10.0.0.1/24').ipv4).toBeUndefined();
    expect(resolveIpv4(leases, { name: 'eth0', mac: 'x' }, '10.0.0.9/24', undefined).ipv4).toBe('10.0.0.9/24');
  });

  it('shapes interfaces like QGA guest-network-get-interfaces, loopback first', () => {
    const [lo, eth0] = agentInterfaces([{ name: 'eth0', mac: 'BC:24:11:AA:BB:CC', ipv4: '10.0.0.5/24' }]) as Record<
      string,
      unknown
    >[];
    expect(lo?.name).toBe('lo');
    expect(eth0).toMatchObject({
      name: 'eth0',
      'hardware-address': 'bc:24:11:aa:bb:cc',
      'ip-addresses': [{ 'ip-address': '10.0.0.5', 'ip-address-type': 'ipv4', prefix: 24 }],
    });
  });
});
