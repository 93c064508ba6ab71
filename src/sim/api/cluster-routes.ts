/**
 * Version, nodes, cluster status, cluster resources and nextid (spec A.1).
 */
import { accessOf, SimApiError, type SimAccess, type SimRoute } from '../contract.ts';
import type { SimContext } from '../state/context.ts';
import { nowSeconds, requireNode } from '../state/context.ts';
import { guestSummary, memoryMiB, type GuestSummary } from './guest-summary.ts';
import { intParam, route, strParam } from './envelope.ts';
import { cacheableRow } from './json-cache.ts';
import type { Guest } from '../state/guests.ts';

export const PVE_VERSION = { version: '8.4.1', release: '8.4', repoid: '2a5fa54a8503f96d' } as const;

function nodeRow(ctx: SimContext, name: string): Record<string, unknown> {
  const node = ctx.nodes.get(name) ?? requireNode(ctx, name);
  if (node.online === false) return { node: name, status: 'offline', id: `node/${name}`, type: 'node', level: '' };
  let mem = 0;
  // guestSummary's `mem` of a running guest, without its disk lookup (this runs per node row).
  for (const g of ctx.guests.values())
    if (g.node === name && g.status === 'running') mem += Math.floor(memoryMiB(g) * 1024 ** 2 * 0.25);
  return {
    node: name,
    status: 'online',
    cpu: 0.02,
    maxcpu: node.cores,
    mem: mem + 1024 ** 3,
    maxmem: node.memoryMiB * 1024 ** 2,
    disk: 8 * 1024 ** 3,
    maxdisk: 100 * 1024 ** 3,
    uptime: Math.max(0, Math.floor((ctx.clock.now() - node.bootTimeMs) / 1000)),
    level: '',
    id: `node/${name}`,
    type: 'node',
    // Every simulated node serves the one certificate of the API endpoint.
    ...(ctx.sslFingerprint ? { ssl_fingerprint: ctx.sslFingerprint } : {}),
  };
}

/**
 * The last `/cluster/resources` row of each guest, with the values it was built from: the
 * same frozen row is returned while they are unchanged, so the HTTP layer reuses its JSON
 * text (see `json-cache.ts`) and an unchanged guest costs a few comparisons.
 */
interface RowCache {
  summary: GuestSummary;
  status: string;
  node: string;
  lock: unknown;
  tags: unknown;
  pool: string | undefined;
  row: Readonly<Record<string, unknown>>;
}

const lastRow = new WeakMap<Guest, RowCache>();

function sameSummary(a: GuestSummary, b: GuestSummary): boolean {
  return (
    a.name === b.name &&
    a.maxmem === b.maxmem &&
    a.mem === b.mem &&
    a.maxdisk === b.maxdisk &&
    a.cpus === b.cpus &&
    a.uptime === b.uptime &&
    a.template === b.template
  );
}

function guestRow(ctx: SimContext, g: Guest, pool: string | undefined): Readonly<Record<string, unknown>> {
  const s = guestSummary(ctx, g);
  const { lock, tags } = g.config;
  // A guest of an offline node: the cluster filesystem still lists it, nobody knows its state.
  const status = ctx.nodes.get(g.node)?.online === false ? 'unknown' : g.status;
  const last = lastRow.get(g);
  if (
    last &&
    last.row.vmid === g.vmid &&
    last.row.type === g.type &&
    last.status === status &&
    last.node === g.node &&
    last.lock === lock &&
    last.tags === tags &&
    last.pool === pool &&
    sameSummary(last.summary, s)
  ) {
    return last.row;
  }
  const row: Record<string, unknown> = {
    id: `${g.type}/${g.vmid}`,
    type: g.type,
    vmid: g.vmid,
    node: g.node,
    name: s.name,
    status,
    template: s.template,
    maxmem: s.maxmem,
    mem: s.mem,
    maxdisk: s.maxdisk,
    disk: 0,
    maxcpu: s.cpus,
    cpu: 0,
    uptime: s.uptime,
    netin: 0,
    netout: 0,
    diskread: 0,
    diskwrite: 0,
  };
  if (lock !== undefined) row.lock = lock;
  if (tags !== undefined) row.tags = tags;
  if (pool) row.pool = pool;
  const frozen = cacheableRow(row);
  lastRow.set(g, { summary: s, status, node: g.node, lock, tags, pool, row: frozen });
  return frozen;
}

/** Cluster.pm `resources`: every row filtered by what the caller may see. */
function resources(ctx: SimContext, type: string | undefined, access: SimAccess): unknown[] {
  const out: unknown[] = [];
  const poolOf = new Map<number, string>();
  for (const p of ctx.pools.values()) for (const vmid of p.vms) poolOf.set(vmid, p.poolid);
  if (!type || type === 'vm') {
    for (const g of ctx.guests.values())
      if (access.has(`/vms/${g.vmid}`, ['VM.Audit'])) out.push(guestRow(ctx, g, poolOf.get(g.vmid)));
  }
  if (!type || type === 'node') {
    for (const name of ctx.nodes.keys()) {
      const r = nodeRow(ctx, name);
      delete r.ssl_fingerprint;
      // Nodes are always listed; their figures only with Sys.Audit (extract_node_stats).
      if (!access.has(`/nodes/${name}`, ['Sys.Audit'])) {
        for (const key of ['cpu', 'maxcpu', 'mem', 'maxmem', 'disk', 'maxdisk', 'uptime']) delete r[key];
      }
      out.push({ ...r, 'cgroup-mode': 2 });
    }
  }
  if (!type || type === 'storage') {
    for (const name of ctx.nodes.keys()) {
      for (const c of ctx.storage.configs.values()) {
        if (!ctx.storage.availableOn(c, name) || c.disable) continue;
        if (!access.has(`/storage/${c.storage}`, ['Datastore.Audit', 'Datastore.AllocateSpace'], true)) continue;
        out.push({
          id: `storage/${name}/${c.storage}`,
          type: 'storage',
          storage: c.storage,
          node: name,
          status: 'available',
          plugintype: c.type,
          content: [...c.content].sort().join(','),
          shared: ctx.storage.isShared(c) ? 1 : 0,
          disk: ctx.storage.used(name, c.storage),
          maxdisk: c.capacity,
        });
      }
    }
  }
  if (!type)
    for (const p of ctx.pools.values())
      if (access.has(`/pool/${p.poolid}`, ['Pool.Audit']))
        out.push({ id: `/pool/${p.poolid}`, type: 'pool', pool: p.poolid });
  return out;
}

export function nextFreeId(ctx: SimContext): number {
  for (let id = 100; id < 1_000_000; id++) if (!ctx.guests.has(id)) return id;
  throw new SimApiError(500, 'unable to get any free VMID in range [100, 1000000]');
}

export function clusterRoutes(ctx: SimContext): SimRoute[] {
  return [
    route('GET', '/version', () => ({ ...PVE_VERSION })),
    route('GET', '/nodes', () => [...ctx.nodes.keys()].map((n) => nodeRow(ctx, n))),
    route('GET', '/nodes/{node}', (req) => {
      requireNode(ctx, req.params.node);
      return ['aplinfo', 'lxc', 'network', 'qemu', 'status', 'storage', 'tasks'].map((name) => ({ name }));
    }),
    route('GET', '/nodes/{node}/status', (req) => {
      const node = requireNode(ctx, req.params.node);
      const row = nodeRow(ctx, node.name);
      return {
        cpu: row.cpu,
        uptime: row.uptime,
        loadavg: ['0.05', '0.10', '0.08'],
        memory: { total: row.maxmem, used: row.mem, free: (row.maxmem as number) - (row.mem as number) },
        rootfs: { total: row.maxdisk, used: row.disk, free: (row.maxdisk as number) - (row.disk as number), avail: 0 },
        cpuinfo: { cpus: node.cores, cores: node.cores, sockets: 1, model: 'Simulated CPU', mhz: '2400.000' },
        'current-kernel': {
          sysname: 'Linux',
          release: '6.8.12-9-pve',
          machine: 'x86_64',
          version: '#1 SMP PREEMPT_DYNAMIC PMX 6.8.12-9',
        },
        'boot-info': { mode: 'efi', secureboot: 0 },
        pveversion: `pve-manager/${PVE_VERSION.version}/${PVE_VERSION.repoid}`,
        kversion: 'Linux 6.8.12-9-pve',
        time: nowSeconds(ctx),
      };
    }),
    route('GET', '/cluster/status', () => {
      const names = [...ctx.nodes.keys()];
      const standalone = names.length === 1;
      const online = names.filter((n) => ctx.nodes.get(n)?.online !== false).length;
      const rows: unknown[] = standalone
        ? []
        : [
            {
              type: 'cluster',
              id: 'cluster',
              name: 'phoenix',
              nodes: names.length,
              quorate: online * 2 > names.length ? 1 : 0,
              version: names.length,
            },
          ];
      names.forEach((name, i) =>
        rows.push({
          type: 'node',
          id: `node/${name}`,
          name,
          ip: ctx.nodes.get(name)?.ip,
          local: i === 0 ? 1 : 0,
          nodeid: standalone ? 0 : i + 1,
          online: ctx.nodes.get(name)?.online === false ? 0 : 1,
          level: '',
        }),
      );
      return rows;
    }),
    route('GET', '/cluster/resources', (req) => resources(ctx, strParam(req.params, 'type'), accessOf(req))),
    route('GET', '/cluster/nextid', (req) => {
      const vmid = intParam(req.params, 'vmid');
      if (vmid !== undefined) {
        if (ctx.guests.has(vmid))
          throw new SimApiError(400, 'Parameter verification failed.', { vmid: `VM ${vmid} already exists` });
        return String(vmid);
      }
      // A string, not a number: what PVE really sends (spec A.1 nextid quirk).
      return String(nextFreeId(ctx));
    }),
  ];
}
