/**
 * The certificate name policy (issue 11): a certificate may carry only names under the cluster
 * domain (a leading `*.` wildcard included) or a guest's own address. step-ca 0.19 cannot
 * enforce it, so Phoenix does, twice with this one rule: `validate` (config/semantic/pki-names.ts)
 * and the pki provider when it derives the certificate resources.
 */
import { isIP } from 'node:net';

/** Names a certificate may carry: under the cluster domain, or a guest's own address. */
export function nameAllowed(name: string, domain: string, guestAddresses: ReadonlySet<string>): boolean {
  if (isIP(name)) return guestAddresses.has(name);
  const lower = name.toLowerCase().replace(/^\*\./, '');
  const zone = domain.toLowerCase();
  return lower === zone || lower.endsWith(`.${zone}`);
}

/** The guests' own addresses a certificate may name: each guest's first static address. */
export function guestAddresses(guests: readonly { net: readonly { ip: string }[] }[]): Set<string> {
  const out = new Set<string>();
  for (const guest of guests) {
    const ip = guest.net.find((nic) => nic.ip !== 'dhcp')?.ip.split('/')[0];
    if (ip) out.add(ip);
  }
  return out;
}
