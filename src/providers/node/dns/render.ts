/**
 * Renders the derived records for dnsmasq: an additional hosts file (A records) and a conf
 * snippet (`local=` zones so unknown names get NXDOMAIN instead of being forwarded, `addn-hosts`,
 * `cname=`). Byte-for-byte deterministic, so "changed" means the records changed.
 */
import { managedHeader } from '../managed-files.ts';
import type { DnsRecordOut } from './records.ts';

export interface RenderedDns {
  hosts: string;
  conf: string;
}

/** Zones dnsmasq answers authoritatively: the internal domain plus each declared name outside it. */
export function localZones(domain: string, records: DnsRecordOut[]): string[] {
  const outside = records.map((r) => r.name).filter((name) => name !== domain && !name.endsWith(`.${domain}`));
  return [domain, ...[...new Set(outside)].sort()];
}

export function renderDnsmasq(
  domain: string,
  records: DnsRecordOut[],
  hostsPath: string,
  environment?: string,
): RenderedDns {
  const HEADER = managedHeader(environment);
  const hosts = records
    .filter((r) => r.type === 'A')
    .map((r) => `${r.value} ${r.name}\n`)
    .join('');
  const lines = [
    'domain-needed',
    'bogus-priv',
    ...localZones(domain, records).map((zone) => `local=/${zone}/`),
    `addn-hosts=${hostsPath}`,
    ...records.filter((r) => r.type === 'CNAME').map((r) => `cname=${r.name},${r.value}`),
  ];
  return { hosts: HEADER + hosts, conf: `${HEADER}${lines.join('\n')}\n` };
}
