/**
 * Cluster-wide reads (pve-manager `API2/Cluster.pm` and sub-modules, pve-ha-manager,
 * pve-cluster): options, tasks, log, HA status/resources/groups, backup jobs and what they
 * miss, replication, corosync config, ACME directories, notification targets, metrics, SDN
 * and mappings. Nothing of HA, backup jobs, replication, SDN zones or mappings is configured in
 * the simulated cluster, so those lists are empty the way a fresh PVE answers them; unknown
 * ids get PVE's error texts.
 */
import { accessOf, SimApiError, type SimRequest, type SimRoute } from '../contract.ts';
import type { SimContext } from '../state/context.ts';
import type { TaskRecord } from '../state/tasks.ts';
import { route } from './envelope.ts';
import { deleteList } from './guest-config.ts';
import { listRow, ownsTask } from './task-routes.ts';

function visibleTasks(ctx: SimContext, req: SimRequest): TaskRecord[] {
  return ctx.tasks
    .list()
    .filter((t) => ownsTask(req, t.user) || accessOf(req).has(`/nodes/${t.node}`, ['Sys.Audit']))
    .sort((a, b) => b.starttime - a.starttime || b.pstart - a.pstart);
}

/** The cluster log pmxcfs keeps: a line when a task starts and one when it ends. */
function clusterLog(ctx: SimContext, req: SimRequest): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  let uid = 1;
  for (const t of [...visibleTasks(ctx, req)].reverse()) {
    const base = { node: t.node, user: t.user, tag: 'pvedaemon', pid: t.pid, pri: 6 };
    rows.push({ ...base, uid: uid++, time: t.starttime, msg: `starting task ${t.upid}` });
    if (t.status === 'stopped')
      rows.push({
        ...base,
        uid: uid++,
        time: t.endtime ?? t.starttime,
        msg: `end task ${t.upid} ${t.exitstatus ?? ''}`,
      });
  }
  const max = typeof req.params.max === 'number' && req.params.max > 0 ? req.params.max : 50;
  return rows.reverse().slice(0, max);
}

function standaloneError(ctx: SimContext): void {
  if (ctx.nodes.size === 1) {
    throw new SimApiError(
      500,
      "Corosync config '/etc/pve/corosync.conf' does not exist - is this node part of a cluster?",
    );
  }
}

export function clusterInfoRoutes(ctx: SimContext): SimRoute[] {
  const nodeNames = (): string[] => [...ctx.nodes.keys()];
  return [
    route('GET', '/cluster/options', () => ({ ...ctx.clusterOptions })),
    route('PUT', '/cluster/options', (req) => {
      // datacenter.cfg: `delete` removes keys, every other parameter is written as given.
      for (const key of deleteList(req.params.delete)) delete ctx.clusterOptions[key];
      for (const [key, value] of Object.entries(req.params)) {
        if (key === 'delete' || value === undefined) continue;
        ctx.clusterOptions[key] = value as string | number;
      }
      return null;
    }),
    route('GET', '/cluster/tasks', (req) => visibleTasks(ctx, req).map(listRow)),
    route('GET', '/cluster/log', (req) => clusterLog(ctx, req)),
    route('GET', '/cluster/backup', () => []),
    route('GET', '/cluster/backup/{id}', (req) => {
      throw new SimApiError(500, `Job '${String(req.params.id)}' does not exist`);
    }),
    route('GET', '/cluster/backup/{id}/included_volumes', (req) => {
      throw new SimApiError(500, `Job '${String(req.params.id)}' does not exist`);
    }),
    route('GET', '/cluster/backup-info', () => [{ subdir: 'not-backed-up' }]),
    route('GET', '/cluster/backup-info/not-backed-up', (req) =>
      // No backup job exists, so every guest the caller may see is not backed up.
      [...ctx.guests.values()]
        .filter((g) => g.config.template !== 1 && accessOf(req).has(`/vms/${g.vmid}`, ['VM.Audit']))
        .sort((a, b) => a.vmid - b.vmid)
        .map((g) => ({
          vmid: g.vmid,
          type: g.type,
          name: String(g.type === 'qemu' ? (g.config.name ?? `VM${g.vmid}`) : (g.config.hostname ?? `CT${g.vmid}`)),
        })),
    ),
    route('GET', '/cluster/replication', () => []),
    route('GET', '/cluster/replication/{id}', (req) => {
      throw new SimApiError(500, `replication job '${String(req.params.id)}' does not exist`);
    }),
    route('GET', '/cluster/config', () =>
      ['nodes', 'totem', 'join', 'qdevice', 'apiversion'].map((name) => ({ name })),
    ),
    route('GET', '/cluster/config/apiversion', () => 8),
    route('GET', '/cluster/config/nodes', () => {
      standaloneError(ctx);
      return nodeNames().map((node, i) => ({
        node,
        name: node,
        nodeid: String(i + 1),
        quorum_votes: '1',
        ring0_addr: ctx.nodes.get(node)?.ip ?? '',
      }));
    }),
    route('GET', '/cluster/config/totem', () => {
      if (ctx.nodes.size === 1) return {};
      return {
        cluster_name: 'phoenix',
        config_version: String(ctx.nodes.size),
        ip_version: 'ipv4-6',
        secauth: 'on',
        version: '2',
        interface: { '0': { linknumber: '0' } },
      };
    }),
    route('GET', '/cluster/config/qdevice', () => ({})),
    route('GET', '/cluster/config/join', () => {
      standaloneError(ctx);
      const names = nodeNames();
      return {
        preferred_node: names[0] ?? '',
        config_digest: '0000000000000000000000000000000000000000',
        totem: { cluster_name: 'phoenix', version: '2' },
        nodelist: names.map((name, i) => ({
          name,
          nodeid: i + 1,
          pve_addr: ctx.nodes.get(name)?.ip ?? '',
          pve_fp: ctx.sslFingerprint ?? '',
          quorum_votes: 1,
          ring0_addr: ctx.nodes.get(name)?.ip ?? '',
        })),
      };
    }),
    route('GET', '/cluster/acme', () =>
      ['account', 'plugins', 'tos', 'directories', 'challenge-schema'].map((name) => ({ name })),
    ),
    route('GET', '/cluster/acme/plugins', () => []),
    route('GET', '/cluster/acme/account', () => []),
    route('GET', '/cluster/acme/directories', () => [
      { name: "Let's Encrypt V2", url: 'https://acme-v02.api.letsencrypt.org/directory' },
      { name: "Let's Encrypt V2 Staging", url: 'https://acme-staging-v02.api.letsencrypt.org/directory' },
    ]),
    route('GET', '/cluster/acme/challenge-schema', () => [
      { id: 'standalone', name: 'standalone', type: 'standalone', schema: {} },
    ]),
    route('GET', '/cluster/notifications', () =>
      ['endpoints', 'matchers', 'targets', 'matcher-fields', 'matcher-field-values'].map((name) => ({ name })),
    ),
    route('GET', '/cluster/notifications/endpoints', () =>
      ['sendmail', 'gotify', 'smtp', 'webhook'].map((name) => ({ name })),
    ),
    route('GET', '/cluster/notifications/endpoints/sendmail', () => [
      {
        name: 'mail-to-root',
        'mailto-user': ['root@pam'],
        comment: "Send mails to root@pam's email address",
        origin: 'builtin',
      },
    ]),
    route('GET', '/cluster/notifications/endpoints/gotify', () => []),
    route('GET', '/cluster/notifications/endpoints/smtp', () => []),
    route('GET', '/cluster/notifications/endpoints/webhook', () => []),
    route('GET', '/cluster/notifications/targets', () => [
      { name: 'mail-to-root', type: 'sendmail', comment: "Send mails to root@pam's email address", origin: 'builtin' },
    ]),
    route('GET', '/cluster/notifications/matchers', () => [
      {
        name: 'default-matcher',
        target: ['mail-to-root'],
        comment: 'Route all notifications to mail-to-root',
        origin: 'builtin',
      },
    ]),
    route('GET', '/cluster/notifications/matcher-fields', () => [
      { name: 'type' },
      { name: 'hostname' },
      { name: 'job-id' },
    ]),
    route('GET', '/cluster/notifications/matcher-field-values', () => [
      ...nodeNames().map((value) => ({ field: 'hostname', value })),
      ...['package-updates', 'replication', 'fencing', 'system-mail', 'vzdump'].map((value) => ({
        field: 'type',
        value,
      })),
    ]),
    route('GET', '/cluster/metrics', () => [{ name: 'server' }]),
    route('GET', '/cluster/metrics/server', () => []),
    route('GET', '/cluster/metrics/server/{id}', (req) => {
      throw new SimApiError(500, `metric server '${String(req.params.id)}' does not exist`);
    }),
    route('GET', '/cluster/metrics/export', () => ({ data: [] })),
    route('GET', '/cluster/jobs', () => [{ subdir: 'realm-sync' }, { subdir: 'schedule-analyze' }]),
    route('GET', '/cluster/jobs/realm-sync', () => []),
    route('GET', '/cluster/mapping', () => ['dir', 'pci', 'usb'].map((name) => ({ name }))),
    route('GET', '/cluster/mapping/dir', () => []),
    route('GET', '/cluster/mapping/pci', () => []),
    route('GET', '/cluster/mapping/usb', () => []),
    ...['dir', 'pci', 'usb'].map((kind) =>
      route('GET', `/cluster/mapping/${kind}/{id}`, (req) => {
        throw new SimApiError(500, `${kind.toUpperCase()} mapping '${String(req.params.id)}' not found`);
      }),
    ),
    route('GET', '/cluster/sdn', () => ['vnets', 'zones', 'controllers', 'ipams', 'dns'].map((id) => ({ id }))),
    route('GET', '/cluster/sdn/vnets', () => []),
    route('GET', '/cluster/sdn/zones', () => []),
    route('GET', '/cluster/sdn/controllers', () => []),
    route('GET', '/cluster/sdn/ipams', () => [{ ipam: 'pve', type: 'pve' }]),
    route('GET', '/cluster/sdn/dns', () => []),
    route('GET', '/cluster/sdn/ipams/{ipam}', (req) => {
      if (req.params.ipam !== 'pve')
        throw new SimApiError(500, `sdn ipam object ID '${String(req.params.ipam)}' does not exist`);
      return { ipam: 'pve', type: 'pve', digest: '0000000000000000000000000000000000000000' };
    }),
    route('GET', '/cluster/sdn/ipams/{ipam}/status', (req) => {
      if (req.params.ipam !== 'pve')
        throw new SimApiError(500, `sdn ipam object ID '${String(req.params.ipam)}' does not exist`);
      return [];
    }),
    ...['vnets/{vnet}', 'zones/{zone}', 'controllers/{controller}', 'dns/{dns}'].map((path) =>
      route('GET', `/cluster/sdn/${path}`, (req) => {
        const [kind = '', param = ''] = path.split('/');
        const id = String(req.params[param.slice(1, -1)]);
        throw new SimApiError(500, `sdn ${kind.replace(/s$/, '')} object ID '${id}' does not exist`);
      }),
    ),
    route('GET', '/cluster/firewall', () =>
      ['aliases', 'groups', 'ipset', 'macros', 'options', 'refs', 'rules'].map((name) => ({ name })),
    ),
    route('GET', '/cluster/firewall/macros', () =>
      [
        ['BGP', 'Border Gateway Protocol traffic'],
        ['DNS', 'Domain Name System traffic (upd and tcp)'],
        ['HTTP', 'Hypertext Transfer Protocol (WWW)'],
        ['HTTPS', 'Hypertext Transfer Protocol (WWW) over SSL'],
        ['NTP', 'Network Time Protocol (ntpd)'],
        ['Ping', 'ICMP echo request'],
        ['SMTP', 'Simple Mail Transfer Protocol'],
        ['SSH', 'Secure shell traffic'],
      ].map(([macro, descr]) => ({ macro, descr })),
    ),
    route('GET', '/cluster/firewall/refs', (req) => {
      const type = req.params.type;
      const out: Record<string, unknown>[] = [];
      if (type === undefined || type === 'alias')
        for (const [name, a] of Object.entries(ctx.firewall.cluster.aliases))
          out.push({ type: 'alias', name, ref: name, scope: 'dc', ...(a.comment ? { comment: a.comment } : {}) });
      if (type === undefined || type === 'ipset')
        for (const [name, set] of Object.entries(ctx.firewall.cluster.ipsets))
          out.push({
            type: 'ipset',
            name,
            ref: `+dc/${name}`,
            scope: 'dc',
            ...(set.comment ? { comment: set.comment } : {}),
          });
      return out;
    }),
    route('GET', '/cluster/ceph', () => ['metadata', 'status', 'flags'].map((name) => ({ name }))),
    ...['/cluster/ceph/metadata', '/cluster/ceph/status', '/cluster/ceph/flags', '/cluster/ceph/flags/{flag}'].map(
      (path) =>
        route('GET', path, () => {
          // pveceph is not installed on the simulated nodes (PVE::Ceph::Tools::check_ceph_installed).
          throw new SimApiError(500, 'binary not installed: /usr/bin/ceph-mon');
        }),
    ),
  ];
}
