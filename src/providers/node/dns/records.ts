/**
 * Internal DNS records derived from the config: every guest name → its IP under the internal
 * domain, every cluster node with an address, every route hostname → the gateway guest's IP,
 * and the explicit `dns.records`. Pure and deterministic: sorted, de-duplicated, with conflicts
 * reported as diagnostics instead of one silently winning.
 */
import type { Diagnostic } from '../../../errors.ts';
import { guestAddress, hasRole, type NodeSource } from '../source.ts';

export interface DnsRecordOut {
  name: string;
  type: 'A' | 'CNAME';
  value: string;
  /** Where it came from, for messages: `guest 101`, `route app.example.com`, `dns.records[2]`. */
  origin: string;
}

export interface DerivedDns {
  domain: string;
  records: DnsRecordOut[];
  diagnostics: Diagnostic[];
}

export function fqdn(name: string, domain: string): string {
  const lower = name.toLowerCase().replace(/\.$/, '');
  return lower === domain || lower.endsWith(`.${domain}`) || lower.includes('.') ? lower : `${lower}.${domain}`;
}

export function deriveDnsRecords(source: NodeSource): DerivedDns {
  const domain = source.cluster.domain.toLowerCase();
  const diagnostics: Diagnostic[] = [];
  const candidates: DnsRecordOut[] = [];
  for (const node of source.cluster.nodes) {
    if (node.address)
      candidates.push({ name: fqdn(node.name, domain), type: 'A', value: node.address, origin: `node ${node.name}` });
  }
  for (const guest of source.guests) {
    const ip = guestAddress(guest);
    if (ip === undefined) {
      diagnostics.push({
        severity: 'warning',
        code: 'W_DNS_DHCP_GUEST',
        message: `guest ${guest.id} (${guest.name}) has no static address: no DNS record for it`,
        hint: 'give the guest a static ip (e.g. 10.0.0.5/24) to have it resolvable by name',
      });
      continue;
    }
    candidates.push({ name: fqdn(guest.name, domain), type: 'A', value: ip, origin: `guest ${guest.id}` });
  }
  if (source.routes.length > 0) {
    const gateway = source.guests.find((guest) => hasRole(guest, 'gateway'));
    const ip = gateway && guestAddress(gateway);
    if (ip === undefined) {
      diagnostics.push({
        severity: 'error',
        code: 'E_DNS_NO_GATEWAY',
        message: 'routes are declared but no guest with role "gateway" and a static address exists',
        hint: 'set role: gateway and a static ip on the gateway guest',
      });
    } else {
      for (const route of source.routes)
        candidates.push({ name: fqdn(route.host, domain), type: 'A', value: ip, origin: `route ${route.host}` });
    }
  }
  source.dns.records.forEach((record, index) => {
    const value = record.type === 'CNAME' ? fqdn(record.value, domain) : record.value;
    candidates.push({ name: fqdn(record.name, domain), type: record.type, value, origin: `dns.records[${index}]` });
  });

  const byName = new Map<string, DnsRecordOut>();
  for (const record of candidates) {
    const seen = byName.get(record.name);
    if (!seen) {
      byName.set(record.name, record);
    } else if (seen.type !== record.type || seen.value !== record.value) {
      diagnostics.push({
        severity: 'error',
        code: 'E_DNS_CONFLICT',
        message: `${record.name} is declared twice: ${seen.type} ${seen.value} (${seen.origin}) and ${record.type} ${record.value} (${record.origin})`,
        hint: 'rename one of them or remove the explicit record',
      });
    }
  }
  const records = [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const record of records.filter((r) => r.type === 'CNAME')) {
    if (!byName.has(record.value)) {
      diagnostics.push({
        severity: 'warning',
        code: 'W_DNS_CNAME_TARGET',
        message: `CNAME ${record.name} points at ${record.value}, which dnsmasq does not know: it will not resolve`,
      });
    }
  }
  return { domain, records, diagnostics };
}
