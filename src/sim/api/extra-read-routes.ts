/**
 * The rest of the reads under /nodes/{node} and /cluster that clients and the web UI call:
 * directory indexes, guest firewall index/log/refs, the QEMU agent's read commands, rendered
 * RRD graphs (`{filename}` of the PNG pvestatd's data is drawn into), APT repositories and
 * changelogs, prune previews, NFS scans of the node itself, `schedule-analyze` (systemd
 * calendar events), and PVE's error texts where the simulated node has nothing (ceph is not
 * installed, no replication jobs, no backups, no ACME accounts, unknown notification targets).
 */
import { createHash } from 'node:crypto';
import { SimApiError, type SimRequest, type SimRoute } from '../contract.ts';
import { nowSeconds, requireGuest, requireNode, type SimContext } from '../state/context.ts';
import type { FwScope } from '../state/firewall.ts';
import type { GuestType } from '../state/guests.ts';
import { PVE_VERSION } from './cluster-routes.ts';
import { route, strParam } from './envelope.ts';
import { agentReady } from './qemu-guest-routes.ts';

const CEPH_MISSING = 'binary not installed: /usr/bin/ceph-mon';
const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** One field of a calendar event (`*`, `5`, `1,3`, `8..17`, `*\/15`, `0/20`) → allowed values. */
function field(text: string, max: number): Set<number> {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const [base = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new Error('bad step');
    let from = 0;
    let to = max;
    if (base !== '*') {
      const range = /^(\d+)(?:\.\.(\d+))?$/.exec(base);
      if (!range) throw new Error('bad value');
      from = Number(range[1]);
      to = range[2] !== undefined ? Number(range[2]) : stepText === undefined ? from : max;
    }
    if (from > max || to > max) throw new Error('out of range');
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

const ALIASES: Record<string, string> = { minutely: '*:*', hourly: '*:0', daily: '0:0', weekly: 'mon 0:0' };

/** proxmox-time calendar events without dates: `[weekdays] [hour:]minute`. */
function parseSchedule(text: string): { days: Set<number>; hours: Set<number>; minutes: Set<number> } {
  const spec = ALIASES[text.trim()] ?? text.trim();
  const tokens = spec.split(/\s+/);
  let days = new Set([0, 1, 2, 3, 4, 5, 6]);
  if (tokens.length === 2) {
    days = new Set();
    for (const part of (tokens.shift() ?? '').split(',')) {
      const [a = '', b] = part.split('..');
      const from = DAY_NAMES.indexOf(a.slice(0, 3).toLowerCase());
      const to = b === undefined ? from : DAY_NAMES.indexOf(b.slice(0, 3).toLowerCase());
      if (from < 0 || to < 0) throw new Error('bad weekday');
      for (let d = from; ; d = (d + 1) % 7) {
        days.add(d);
        if (d === to) break;
      }
    }
  }
  if (tokens.length !== 1) throw new Error('bad event');
  const time = (tokens[0] ?? '').split(':');
  if (time.length > 2) throw new Error('seconds are not simulated');
  const [hourText, minuteText] = time.length === 2 ? time : ['*', time[0]];
  return { days, hours: field(hourText ?? '*', 23), minutes: field(minuteText ?? '0', 59) };
}

function scheduleAnalyze(ctx: SimContext, req: SimRequest): Record<string, unknown>[] {
  let event: ReturnType<typeof parseSchedule>;
  try {
    event = parseSchedule(String(req.params.schedule));
  } catch {
    throw new SimApiError(400, 'Parameter verification failed.', {
      schedule: `value does not match the regex pattern`,
    });
  }
  const iterations = typeof req.params.iterations === 'number' ? req.params.iterations : 10;
  const start = typeof req.params.starttime === 'number' ? req.params.starttime : nowSeconds(ctx);
  const out: Record<string, unknown>[] = [];
  // Minute by minute, at most a year ahead (bounded: an event may never match, e.g. `*:61`).
  let t = Math.floor(start / 60) * 60 + 60;
  for (let i = 0; i < 527_040 && out.length < iterations; i++, t += 60) {
    const d = new Date(t * 1000);
    if (event.days.has(d.getUTCDay()) && event.hours.has(d.getUTCHours()) && event.minutes.has(d.getUTCMinutes()))
      out.push({ timestamp: t, utc: d.toUTCString() });
  }
  return out;
}

function guestRefs(ctx: SimContext, req: SimRequest, type: GuestType): Record<string, unknown>[] {
  const guest = requireGuest(ctx, req.params.node, req.params.vmid, type);
  const scopes: [string, FwScope | undefined][] = [
    ['dc', ctx.firewall.cluster],
    ['guest', ctx.firewall.guests[String(guest.vmid)]],
  ];
  const out: Record<string, unknown>[] = [];
  for (const [scope, s] of scopes) {
    if (!s) continue;
    if (req.params.type === undefined || req.params.type === 'alias')
      for (const [name, a] of Object.entries(s.aliases))
        out.push({
          type: 'alias',
          name,
          ref: scope === 'dc' ? `dc/${name}` : `guest/${name}`,
          scope,
          ...(a.comment ? { comment: a.comment } : {}),
        });
    if (req.params.type === undefined || req.params.type === 'ipset')
      for (const [name, set] of Object.entries(s.ipsets))
        out.push({
          type: 'ipset',
          name,
          ref: `+${scope}/${name}`,
          scope,
          ...(set.comment ? { comment: set.comment } : {}),
        });
  }
  return out;
}

/** `{filename}` of the PNG `rrd` renders (RRDs.pm graph into /var/tmp). */
function rrdGraph(req: SimRequest, id: string): { filename: string } {
  const key = `${id}/${String(req.params.ds)}/${String(req.params.timeframe)}/${String(req.params.cf ?? 'AVERAGE')}`;
  return { filename: `/var/tmp/pve-rrd-${createHash('md5').update(key).digest('hex')}.png` };
}

const CHANGELOG = (pkg: string, version: string): string =>
  `${pkg} (${version}) bookworm; urgency=medium\n\n  * update to ${version}\n\n -- Proxmox Support Team <support@proxmox.com>  Mon, 07 Apr 2025 10:00:00 +0200\n`;

export function extraReadRoutes(ctx: SimContext): SimRoute[] {
  const N = '/nodes/{node}';
  const node = (req: SimRequest): string => requireNode(ctx, req.params.node).name;
  const agentGuest = (req: SimRequest) => {
    const g = requireGuest(ctx, req.params.node, req.params.vmid, 'qemu');
    agentReady(ctx, g);
    return g;
  };
  const routes: SimRoute[] = [
    route('GET', '/cluster', () =>
      [
        'log',
        'options',
        'resources',
        'replication',
        'tasks',
        'backup',
        'ha',
        'acme',
        'nextid',
        'firewall',
        'config',
        'ceph',
        'jobs',
        'mapping',
        'metrics',
        'notifications',
        'sdn',
        'status',
      ].map((name) => ({ name })),
    ),
    route('GET', '/cluster/notifications/endpoints/sendmail/{name}', (req) => {
      if (req.params.name !== 'mail-to-root')
        throw new SimApiError(500, `endpoint '${String(req.params.name)}' does not exist`);
      return {
        name: 'mail-to-root',
        'mailto-user': ['root@pam'],
        comment: "Send mails to root@pam's email address",
        digest: '0'.repeat(40),
      };
    }),
    ...['gotify', 'smtp', 'webhook'].map((kind) =>
      route('GET', `/cluster/notifications/endpoints/${kind}/{name}`, (req) => {
        throw new SimApiError(500, `endpoint '${String(req.params.name)}' does not exist`);
      }),
    ),
    route('GET', '/cluster/notifications/matchers/{name}', (req) => {
      if (req.params.name !== 'default-matcher')
        throw new SimApiError(500, `matcher '${String(req.params.name)}' does not exist`);
      return {
        name: 'default-matcher',
        target: ['mail-to-root'],
        comment: 'Route all notifications to mail-to-root',
        digest: '0'.repeat(40),
      };
    }),
    route('GET', '/cluster/acme/plugins/{id}', (req) => {
      throw new SimApiError(500, `ACME plugin '${String(req.params.id)}' not defined`);
    }),
    route('GET', '/cluster/acme/account/{name}', (req) => {
      throw new SimApiError(500, `ACME account config file '${String(req.params.name)}' does not exist`);
    }),
    route('GET', '/cluster/jobs/realm-sync/{id}', (req) => {
      throw new SimApiError(500, `job '${String(req.params.id)}' does not exist`);
    }),
    route('GET', '/cluster/jobs/schedule-analyze', (req) => scheduleAnalyze(ctx, req)),
    ...[
      '/firewall',
      '/firewall/rules',
      '/firewall/rules/{pos}',
      '/firewall/options',
      '/subnets',
      '/subnets/{subnet}',
    ].map((sub) =>
      route('GET', `/cluster/sdn/vnets/{vnet}${sub}`, (req) => {
        throw new SimApiError(500, `sdn vnet object ID '${String(req.params.vnet)}' does not exist`);
      }),
    ),
    ...(['qemu', 'lxc'] as const).flatMap((type) => [
      route('GET', `${N}/${type}/{vmid}/firewall`, (req) => {
        requireGuest(ctx, req.params.node, req.params.vmid, type);
        return ['aliases', 'ipset', 'log', 'options', 'refs', 'rules'].map((name) => ({ name }));
      }),
      route('GET', `${N}/${type}/{vmid}/firewall/log`, (req) => {
        requireGuest(ctx, req.params.node, req.params.vmid, type);
        return [{ n: 1, t: 'no content' }];
      }),
      route('GET', `${N}/${type}/{vmid}/firewall/refs`, (req) => guestRefs(ctx, req, type)),
      route('GET', `${N}/${type}/{vmid}/rrd`, (req) => {
        requireGuest(ctx, req.params.node, req.params.vmid, type);
        return rrdGraph(req, `${type}/${String(req.params.vmid)}`);
      }),
    ]),
    route('GET', `${N}/rrd`, (req) => rrdGraph(req, `node/${node(req)}`)),
    route('GET', `${N}/storage/{storage}/rrd`, (req) =>
      rrdGraph(req, `storage/${node(req)}/${String(req.params.storage)}`),
    ),
    route('GET', `${N}/qemu/{vmid}/agent`, (req) => {
      requireGuest(ctx, req.params.node, req.params.vmid, 'qemu');
      return [
        'exec',
        'exec-status',
        'file-read',
        'file-write',
        'fsfreeze-freeze',
        'get-fsinfo',
        'get-host-name',
        'get-osinfo',
        'get-time',
        'get-timezone',
        'get-users',
        'get-vcpus',
        'info',
        'network-get-interfaces',
        'ping',
        'shutdown',
      ].map((name) => ({ name }));
    }),
    route('GET', `${N}/qemu/{vmid}/agent/info`, (req) => {
      agentGuest(req);
      const names = [
        'guest-exec',
        'guest-exec-status',
        'guest-file-read',
        'guest-file-write',
        'guest-get-fsinfo',
        'guest-get-host-name',
        'guest-get-osinfo',
        'guest-get-time',
        'guest-get-timezone',
        'guest-get-users',
        'guest-get-vcpus',
        'guest-info',
        'guest-network-get-interfaces',
        'guest-ping',
        'guest-shutdown',
      ];
      return {
        result: {
          version: '7.2.15',
          supported_commands: names.map((name) => ({ name, enabled: true, 'success-response': true })),
        },
      };
    }),
    route('GET', `${N}/qemu/{vmid}/agent/get-osinfo`, (req) => {
      agentGuest(req);
      return {
        result: {
          id: 'debian',
          name: 'Debian GNU/Linux',
          'pretty-name': 'Debian GNU/Linux 12 (bookworm)',
          version: '12 (bookworm)',
          'version-id': '12',
          'kernel-release': '6.1.0-32-amd64',
          machine: 'x86_64',
        },
      };
    }),
    route('GET', `${N}/qemu/{vmid}/agent/get-time`, (req) => {
      agentGuest(req);
      return { result: ctx.clock.now() * 1_000_000 };
    }),
    route('GET', `${N}/qemu/{vmid}/agent/get-timezone`, (req) => {
      agentGuest(req);
      return { result: { zone: 'UTC', offset: 0 } };
    }),
    route('GET', `${N}/qemu/{vmid}/agent/get-users`, (req) => {
      agentGuest(req);
      return { result: [] };
    }),
    route('GET', `${N}/qemu/{vmid}/agent/get-vcpus`, (req) => {
      const g = agentGuest(req);
      const n = Number(g.config.cores ?? 1) * Number(g.config.sockets ?? 1);
      return { result: Array.from({ length: n }, (_, i) => ({ 'logical-id': i, online: true, 'can-offline': i > 0 })) };
    }),
    route('GET', `${N}/qemu/{vmid}/agent/get-fsinfo`, (req) => {
      agentGuest(req);
      return {
        result: [
          {
            name: 'sda1',
            mountpoint: '/',
            type: 'ext4',
            'total-bytes': 30 * 1024 ** 3,
            'used-bytes': 3 * 1024 ** 3,
            disk: [{ 'bus-type': 'scsi', bus: 0, target: 0, unit: 0, dev: '/dev/sda1' }],
          },
        ],
      };
    }),
    route('GET', `${N}/qemu/{vmid}/agent/get-memory-blocks`, (req) => {
      const g = agentGuest(req);
      const blocks = Math.max(
        1,
        Math.floor(
          Number(
            String(g.config.memory ?? '2048')
              .split(',')[0]
              ?.replace(/^current=/, ''),
          ) / 128,
        ),
      );
      return {
        result: Array.from({ length: Math.min(blocks, 512) }, (_, i) => ({
          phys_index: i,
          online: true,
          'can-offline': i > 0,
        })),
      };
    }),
    route('GET', `${N}/qemu/{vmid}/agent/get-memory-block-info`, (req) => {
      agentGuest(req);
      return { result: { size: 128 * 1024 ** 2 } };
    }),
    route('GET', `${N}/ceph`, (req) => {
      node(req);
      return [
        'cmd-safety',
        'cfg',
        'crush',
        'fs',
        'init',
        'log',
        'mds',
        'mgr',
        'mon',
        'osd',
        'pool',
        'restart',
        'rules',
        'start',
        'status',
        'stop',
      ].map((name) => ({ name }));
    }),
    ...[
      'cfg',
      'cfg/raw',
      'cfg/db',
      'cfg/value',
      'osd',
      'osd/{osdid}',
      'osd/{osdid}/metadata',
      'osd/{osdid}/lv-info',
      'mds',
      'mgr',
      'mon',
      'fs',
      'pool',
      'pool/{name}',
      'pool/{name}/status',
      'status',
      'crush',
      'log',
      'rules',
      'cmd-safety',
    ].map((sub) =>
      route('GET', `${N}/ceph/${sub}`, (req) => {
        node(req);
        throw new SimApiError(500, CEPH_MISSING);
      }),
    ),
    route('GET', `${N}/vzdump/extractconfig`, (req) => {
      const n = node(req);
      const volume = String(req.params.volume);
      if (!ctx.storage.find(n, volume)) throw new SimApiError(500, `volume '${volume}' does not exist`);
      throw new SimApiError(500, `cannot determine backup guest type for backup archive '${volume}'`);
    }),
    route('GET', `${N}/scan/nfs`, (req) => {
      const n = requireNode(ctx, req.params.node);
      const server = String(req.params.server);
      // Only the simulated nodes answer; nothing is ever sent to a real address.
      const target = [...ctx.nodes.values()].find((x) => x.ip === server || x.name === server);
      if (!target)
        throw new SimApiError(500, `command '/sbin/showmount --no-headers --exports ${server}' failed: exit code 1`);
      void n;
      return [];
    }),
    route('GET', `${N}/hardware/pci/{pci-id-or-mapping}/mdev`, (req) => {
      node(req);
      // None of the simulated PCI devices offers mediated device types.
      return [];
    }),
    route('GET', `${N}/storage/{storage}/prunebackups`, (req) => {
      const n = node(req);
      const storage = String(req.params.storage);
      ctx.storage.get(storage);
      return ctx.storage
        .list(n, storage)
        .filter((v) => v.content === 'backup' && (req.params.vmid === undefined || v.vmid === req.params.vmid))
        .map((v) => ({
          volid: v.volid,
          ctime: v.ctime,
          type: 'qemu',
          mark: 'keep',
          ...(v.vmid !== undefined ? { vmid: v.vmid } : {}),
        }));
    }),
    route('GET', `${N}/apt/changelog`, (req) => {
      node(req);
      const pkg = String(req.params.name);
      const versions: Record<string, string> = {
        'pve-manager': PVE_VERSION.version,
        'qemu-server': '8.3.12',
        'pve-container': '5.2.6',
        'proxmox-ve': '8.4.0',
      };
      const version = strParam(req.params, 'version') ?? versions[pkg];
      if (version === undefined) throw new SimApiError(500, `changelog for '${pkg}' not available`);
      return CHANGELOG(pkg, version);
    }),
    route('GET', `${N}/apt/repositories`, (req) => {
      node(req);
      const repo = (uri: string, suite: string, components: string[]) => ({
        Types: ['deb'],
        URIs: [uri],
        Suites: [suite],
        Components: components,
        Options: [],
        Comment: '',
        FileType: 'list',
        Enabled: 1,
      });
      const files = [
        {
          path: '/etc/apt/sources.list',
          repositories: [
            repo('http://deb.debian.org/debian', 'bookworm', ['main', 'contrib']),
            repo('http://security.debian.org/debian-security', 'bookworm-security', ['main', 'contrib']),
          ],
        },
        {
          path: '/etc/apt/sources.list.d/pve-enterprise.list',
          repositories: [repo('https://enterprise.proxmox.com/debian/pve', 'bookworm', ['pve-enterprise'])],
        },
      ].map((f) => ({ ...f, 'file-type': 'list', digest: [...createHash('sha256').update(f.path).digest()] }));
      return {
        files,
        errors: [],
        infos: [
          {
            path: '/etc/apt/sources.list.d/pve-enterprise.list',
            index: '0',
            kind: 'origin',
            property: '',
            message: 'Proxmox',
          },
        ],
        'standard-repos': [
          { handle: 'enterprise', name: 'Enterprise', status: 1 },
          { handle: 'no-subscription', name: 'No-Subscription' },
          { handle: 'test', name: 'Test' },
        ],
        digest: createHash('sha256').update(JSON.stringify(files)).digest('hex'),
      };
    }),
    ...['', '/status', '/log'].map((sub) =>
      route('GET', `${N}/replication/{id}${sub}`, (req) => {
        node(req);
        throw new SimApiError(500, `replication job '${String(req.params.id)}' does not exist`);
      }),
    ),
    route('GET', `${N}/certificates/acme`, (req) => {
      node(req);
      return [{ name: 'certificate' }];
    }),
  ];
  return routes;
}
