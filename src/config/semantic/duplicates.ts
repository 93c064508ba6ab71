/**
 * Things that must be unique: guest ids (shared with VM template vmids), guest names, static
 * IPs, MACs, and the names other sections are referred to by.
 */
import { formatLocation } from '../../errors.ts';
import type { CheckContext } from './context.ts';
import type { PathSegment } from '../source-map.ts';

/** Reports every later occurrence of a key, naming where it was first used. */
function unique<T>(
  ctx: CheckContext,
  items: readonly T[],
  keyOf: (item: T) => string | number | undefined,
  pathOf: (index: number) => PathSegment[],
  what: string,
  hint: string,
  code = 'E_DUPLICATE',
): void {
  const first = new Map<string | number, number>();
  items.forEach((item, index) => {
    const key = keyOf(item);
    if (key === undefined) return;
    const seen = first.get(key);
    if (seen === undefined) {
      first.set(key, index);
      return;
    }
    const where = ctx.loaded.locate(pathOf(seen));
    ctx.report(
      pathOf(index),
      code,
      `duplicate ${what} ${JSON.stringify(key)}${where ? ` (first used at ${formatLocation(where)})` : ''}`,
      hint,
    );
  });
}

export function checkDuplicates(ctx: CheckContext): void {
  const { config } = ctx;
  // Guest ids and VM template vmids share Proxmox's vmid space.
  const vmids = [
    ...config.templates.flatMap((t, i) => (t.kind === 'vm' ? [{ id: t.vmid, path: ['templates', i, 'vmid'] }] : [])),
    ...config.guests.map((g, i) => ({ id: g.id, path: ['guests', i, 'id'] })),
  ];
  unique(
    ctx,
    vmids,
    (v) => v.id,
    (i) => vmids[i]?.path ?? [],
    'guest id',
    'every guest and VM template needs its own id',
    'E_DUPLICATE_ID',
  );
  unique(
    ctx,
    config.guests,
    (g) => g.name,
    (i) => ['guests', i, 'name'],
    'guest name',
    'give each guest its own name',
    'E_DUPLICATE_NAME',
  );

  const ips: { ip: string; path: PathSegment[] }[] = [];
  const macs: { mac: string; path: PathSegment[] }[] = [];
  config.network.bridges.forEach((b, i) =>
    ips.push({ ip: b.cidr.split('/')[0] as string, path: ['network', 'bridges', i, 'cidr'] }),
  );
  config.guests.forEach((g, gi) =>
    g.net.forEach((n, ni) => {
      if (n.ip !== 'dhcp') ips.push({ ip: n.ip.split('/')[0] as string, path: ['guests', gi, 'net', ni, 'ip'] });
      if (n.mac) macs.push({ mac: n.mac.toUpperCase(), path: ['guests', gi, 'net', ni, 'mac'] });
    }),
  );
  unique(
    ctx,
    ips,
    (v) => v.ip,
    (i) => ips[i]?.path ?? [],
    'IP address',
    'each interface (and each bridge address) needs its own IP',
    'E_DUPLICATE_IP',
  );
  unique(
    ctx,
    macs,
    (v) => v.mac,
    (i) => macs[i]?.path ?? [],
    'MAC address',
    'remove the mac to let Proxmox pick one, or change it',
    'E_DUPLICATE_MAC',
  );

  config.guests.forEach((g, gi) =>
    unique(
      ctx,
      g.net,
      (n) => n.name,
      (i) => ['guests', gi, 'net', i, 'name'],
      'interface',
      'name interfaces eth0, eth1... (LXC) or net0, net1... (VM)',
    ),
  );
  unique(
    ctx,
    config.cluster.nodes,
    (n) => n.name,
    (i) => ['cluster', 'nodes', i, 'name'],
    'node',
    'list each node once',
  );
  unique(
    ctx,
    config.templates,
    (t) => t.name,
    (i) => ['templates', i, 'name'],
    'template name',
    'give each template its own name',
  );
  unique(
    ctx,
    config.storage,
    (s) => s.id,
    (i) => ['storage', i, 'id'],
    'storage id',
    'give each storage its own id',
  );
  unique(
    ctx,
    config.network.bridges,
    (b) => `${b.node ?? '*'}/${b.name}`,
    (i) => ['network', 'bridges', i, 'name'],
    'bridge',
    'declare each bridge once per node',
  );
  unique(
    ctx,
    config.stacks,
    (s) => s.name,
    (i) => ['stacks', i, 'name'],
    'stack name',
    'give each stack its own name',
  );
  unique(
    ctx,
    config.certificates,
    (c) => c.name,
    (i) => ['certificates', i, 'name'],
    'certificate name',
    'give each certificate its own name',
  );
  unique(
    ctx,
    config.routes,
    (r) => `${r.host}${r.passthrough ? `:${r.passthrough.port}` : r.path}`,
    (i) => ['routes', i, 'host'],
    'route',
    'one route per host and path',
  );
  unique(
    ctx,
    config.nfs.exports,
    (e) => e.name,
    (i) => ['nfs', 'exports', i, 'name'],
    'NFS export',
    'give each export its own name',
  );
  unique(
    ctx,
    config.dns.records,
    (r) => r.name.toLowerCase(),
    (i) => ['dns', 'records', i, 'name'],
    'DNS record',
    'one record per name',
  );
  config.guests.forEach((g, gi) =>
    unique(
      ctx,
      g.snapshots,
      (s) => s.name,
      (i) => ['guests', gi, 'snapshots', i, 'name'],
      'snapshot',
      'give each snapshot its own name',
    ),
  );
}
