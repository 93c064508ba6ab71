/**
 * The DHCP server behind the simulated bridges: a guest NIC with `ip=dhcp` gets a stable
 * lease per MAC from `.100`–`.250` of its node bridge's /24.
 */
import type { GuestNic } from './guest-os.ts';

export function leaseFor(leases: Map<string, string>, mac: string, bridgeCidr: string | undefined): string | undefined {
  const known = leases.get(mac);
  if (known) return known;
  if (!bridgeCidr) return undefined;
  const [ip, prefix] = bridgeCidr.split('/');
  const base = (ip ?? '').split('.').slice(0, 3).join('.');
  const used = new Set(leases.values());
  for (let host = 100; host <= 250; host++) {
    const candidate = `${base}.${host}/${prefix ?? '24'}`;
    if (!used.has(candidate)) {
      leases.set(mac, candidate);
      return candidate;
    }
  }
  return undefined;
}

/** Resolves `ip=` of a NIC: a static CIDR, a DHCP lease, or none (`manual`). */
export function resolveIpv4(
  leases: Map<string, string>,
  nic: Omit<GuestNic, 'ipv4'>,
  ip: string | undefined,
  bridgeCidr: string | undefined,
): GuestNic {
  if (!ip || ip === 'manual') return { ...nic };
  if (ip === 'dhcp') return { ...nic, ipv4: leaseFor(leases, nic.mac, bridgeCidr) };
  return { ...nic, ipv4: ip };
}
