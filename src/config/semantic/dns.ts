/**
 * Internal DNS names: every name the node's dnsmasq will serve — a node with an address, a guest
 * with a static address, a route host (at the gateway guest) and each `dns.records` entry — must
 * mean one thing. The node provider derives the same records at plan time; checking here puts the
 * conflict at file:line in `validate` instead of failing a plan later.
 */
import { guestRoles, type Guest } from '../schema.ts';
import type { PathSegment } from '../source-map.ts';
import type { CheckContext } from './context.ts';

interface Claim {
  name: string;
  type: 'A' | 'CNAME';
  value: string;
  origin: string;
  path: PathSegment[];
}

/** The fully qualified form dnsmasq serves (same rule as the node provider's records). */
function fqdn(name: string, domain: string): string {
  const lower = name.toLowerCase().replace(/\.$/, '');
  return lower === domain || lower.endsWith(`.${domain}`) || lower.includes('.') ? lower : `${lower}.${domain}`;
}

function firstStatic(guest: Guest): { ip: string; index: number } | undefined {
  const index = guest.net.findIndex((nic) => nic.ip !== 'dhcp');
  return index < 0 ? undefined : { ip: (guest.net[index]?.ip ?? '').split('/')[0] ?? '', index };
}

function claims(ctx: CheckContext): Claim[] {
  const { config } = ctx;
  const domain = config.cluster.domain.toLowerCase();
  const out: Claim[] = [];
  config.cluster.nodes.forEach((node, i) => {
    if (node.address)
      out.push({
        name: fqdn(node.name, domain),
        type: 'A',
        value: node.address,
        origin: `node ${node.name}`,
        path: ['cluster', 'nodes', i, 'address'],
      });
  });
  config.guests.forEach((guest, gi) => {
    const nic = firstStatic(guest);
    if (nic)
      out.push({
        name: fqdn(guest.name, domain),
        type: 'A',
        value: nic.ip,
        origin: `guest ${guest.id}`,
        path: ['guests', gi, 'name'],
      });
  });
  const gateway = config.guests.find((g) => guestRoles(g).includes('gateway'));
  const gatewayIp = gateway && firstStatic(gateway)?.ip;
  if (gatewayIp)
    config.routes.forEach((route, ri) =>
      out.push({
        name: fqdn(route.host, domain),
        type: 'A',
        value: gatewayIp,
        origin: `route ${route.host}`,
        path: ['routes', ri, 'host'],
      }),
    );
  config.dns.records.forEach((record, ri) =>
    out.push({
      name: fqdn(record.name, domain),
      type: record.type,
      value: record.type === 'CNAME' ? fqdn(record.value, domain) : record.value,
      origin: `dns.records[${ri}]`,
      path: ['dns', 'records', ri, 'name'],
    }),
  );
  return out;
}

export function checkDnsNames(ctx: CheckContext): void {
  const byName = new Map<string, Claim>();
  for (const claim of claims(ctx)) {
    const seen = byName.get(claim.name);
    if (!seen) {
      byName.set(claim.name, claim);
      continue;
    }
    if (seen.type === claim.type && seen.value === claim.value) continue;
    // Two guests, two nodes or two records of one name are reported by the duplicate checks.
    if (seen.path[0] === claim.path[0]) continue;
    ctx.report(
      claim.path,
      'E_DNS_CONFLICT',
      `${claim.name} is declared twice: ${seen.type} ${seen.value} (${seen.origin}) and ${claim.type} ${claim.value} (${claim.origin})`,
      'internal DNS serves one answer per name: rename one of them, give them the same address, or remove the explicit record',
    );
  }
}
