/**
 * Read-only node endpoints that dashboards, exporters and `pvesh` read (pve-manager
 * `API2/Nodes.pm` and its sub-modules): version, time, dns, hosts, subscription, netstat,
 * services, apt, hardware, capabilities, replication, syslog/journal, certificates, config,
 * rrddata (nodes, guests, storages), scans, vzdump defaults, SDN zone status, feature checks
 * and the migrate precondition. Values describe the simulated node consistently with the rest
 * of the model (cores, memory, guests, storages, disks, certificate).
 */
import { createHash } from 'node:crypto';
import { SimApiError, type SimRequest, type SimRoute } from '../contract.ts';
import {
  duration,
  nowSeconds,
  requireGuest,
  requireNode,
  type NodeSettings,
  type SimContext,
  type SimNode,
} from '../state/context.ts';
import { DISK_KEY_RE, type Guest, type GuestType } from '../state/guests.ts';
import { FORMATS, parseProps } from '../state/props.ts';
import { PVE_VERSION } from './cluster-routes.ts';
import { route, strParam } from './envelope.ts';
import { guestSummary } from './guest-summary.ts';
import { startTask } from './guest-ops.ts';
import { rrdRows, round } from './rrd.ts';

const N = '/nodes/{node}';

const SERVICES: [string, string][] = [
  ['chrony', 'Daemon to synchronize system clock using NTP'],
  ['corosync', 'Corosync Cluster Engine'],
  ['cron', 'Regular background program processing daemon'],
  ['ksmtuned', 'Kernel Samepage Merging (KSM) Tuning Daemon'],
  ['postfix', 'Postfix Mail Transport Agent (instance -)'],
  ['pve-cluster', 'The Proxmox VE cluster filesystem'],
  ['pve-firewall', 'Proxmox VE firewall'],
  ['pve-ha-crm', 'PVE Cluster HA Resource Manager Daemon'],
  ['pve-ha-lrm', 'PVE Local HA Resource Manager Daemon'],
  ['pvedaemon', 'PVE API Daemon'],
  ['pvefw-logger', 'Proxmox VE firewall logger'],
  ['pveproxy', 'PVE API Proxy Server'],
  ['pvescheduler', 'Proxmox VE scheduler'],
  ['pvestatd', 'PVE Status Daemon'],
  ['spiceproxy', 'PVE SPICE Proxy Server'],
  ['sshd', 'OpenBSD Secure Shell server'],
  ['syslog', 'System Logging Service'],
  ['systemd-journald', 'Journal Service'],
  ['systemd-timesyncd', 'Network Time Synchronization'],
];

/** Services a standalone node does not run (pve-manager marks them `not-found`/inactive). */
function serviceState(ctx: SimContext, name: string, node?: SimNode): Record<string, unknown> {
  const description = SERVICES.find(([n]) => n === name)?.[1] ?? name;
  const standalone = ctx.nodes.size === 1;
  const absent = name === 'systemd-timesyncd' || name === 'syslog';
  const inactive = (standalone && name === 'corosync') || (node?.settings?.stopped ?? []).includes(name);
  return {
    service: name,
    name,
    desc: description,
    state: absent ? 'dead' : inactive ? 'dead' : 'running',
    'active-state': absent || inactive ? 'inactive' : 'active',
    'unit-state': absent ? 'not-found' : 'enabled',
  };
}

const PACKAGES: [string, string, string][] = [
  ['proxmox-ve', '8.4.0', 'The Proxmox Virtual Environment'],
  ['pve-manager', PVE_VERSION.version, 'Proxmox Virtual Environment Management Tools'],
  ['proxmox-kernel-helper', '8.1.1', 'Function for various kernel maintenance tasks.'],
  ['proxmox-kernel-6.8.12-9-pve-signed', '6.8.12-9', 'Proxmox Kernel Image (signed)'],
  ['ceph-fuse', '17.2.8-pve2', 'FUSE-based client for the Ceph distributed file system'],
  ['corosync', '3.1.9-pve1', 'cluster engine daemon and utilities'],
  ['criu', '3.17.1-2+deb12u1', 'checkpoint and restore in userspace'],
  ['libpve-access-control', '8.2.2', 'Proxmox VE access control library'],
  ['libpve-cluster-perl', '8.1.0', 'Proxmox Virtual Environment cluster Perl API modules.'],
  ['libpve-common-perl', '8.3.1', 'Proxmox VE base library'],
  ['libpve-guest-common-perl', '5.2.2', 'Proxmox VE common guest-related modules'],
  ['libpve-http-server-perl', '5.2.2', 'Proxmox Asynchrounous HTTP Server Implementation'],
  ['libpve-storage-perl', '8.3.6', 'Proxmox VE storage management library'],
  ['lxc-pve', '6.0.0-1', 'Linux containers userspace tools'],
  ['lxcfs', '6.0.0-pve2', 'LXC userspace filesystem'],
  ['proxmox-backup-client', '3.4.1-1', 'Proxmox Backup Client tools'],
  ['proxmox-firewall', '0.7.1', 'Proxmox VE nftables firewall implementation'],
  ['proxmox-widget-toolkit', '4.3.10', 'Core Widgets and ExtJS Helper Classes for Proxmox Web UIs'],
  ['pve-cluster', '8.1.0', 'Cluster Infrastructure for Proxmox Virtual Environment'],
  ['pve-container', '5.2.6', 'Proxmox VE Container management tool'],
  ['pve-firewall', '5.1.1', 'Proxmox VE Firewall'],
  ['pve-ha-manager', '4.0.7', 'Proxmox VE HA Manager'],
  ['pve-qemu-kvm', '9.2.0-5', 'Full virtualization on x86 hardware'],
  ['qemu-server', '8.3.12', 'Qemu Server Tools'],
  ['zfsutils-linux', '2.2.7-pve2', 'command-line tools to manage OpenZFS filesystems'],
];

const PCI = [
  ['0000:00:00.0', '0x060000', '0x8086', '0x29c0', 'Intel Corporation', '82G33/G31/P35/P31 Express DRAM Controller', 0],
  ['0000:00:01.0', '0x030000', '0x1234', '0x1111', '', '', 1],
  ['0000:00:02.0', '0x020000', '0x8086', '0x10d3', 'Intel Corporation', '82574L Gigabit Network Connection', 2],
  [
    '0000:00:1f.2',
    '0x010601',
    '0x8086',
    '0x2922',
    'Intel Corporation',
    '82801IR/IO/IH (ICH9R/DO/DH) SATA Controller',
    3,
  ],
] as const;

const CPU_MODELS: [string, string][] = [
  ['486', 'GenuineIntel'],
  ['athlon', 'AuthenticAMD'],
  ['Broadwell', 'GenuineIntel'],
  ['Broadwell-noTSX', 'GenuineIntel'],
  ['Cascadelake-Server', 'GenuineIntel'],
  ['Conroe', 'GenuineIntel'],
  ['EPYC', 'AuthenticAMD'],
  ['EPYC-Genoa', 'AuthenticAMD'],
  ['EPYC-Milan', 'AuthenticAMD'],
  ['EPYC-Rome', 'AuthenticAMD'],
  ['Haswell', 'GenuineIntel'],
  ['host', 'default'],
  ['Icelake-Server', 'GenuineIntel'],
  ['IvyBridge', 'GenuineIntel'],
  ['kvm32', 'default'],
  ['kvm64', 'default'],
  ['max', 'default'],
  ['Nehalem', 'GenuineIntel'],
  ['Opteron_G5', 'AuthenticAMD'],
  ['qemu32', 'default'],
  ['qemu64', 'default'],
  ['SandyBridge', 'GenuineIntel'],
  ['SapphireRapids', 'GenuineIntel'],
  ['Skylake-Client', 'GenuineIntel'],
  ['Skylake-Server', 'GenuineIntel'],
  ['Westmere', 'GenuineIntel'],
  ['x86-64-v2', 'default'],
  ['x86-64-v2-AES', 'default'],
  ['x86-64-v3', 'default'],
  ['x86-64-v4', 'default'],
];

function nodeRrd(ctx: SimContext, node: SimNode, req: SimRequest): Record<string, number>[] {
  const mem = node.memoryMiB * 1024 ** 2;
  const root = 100 * 1024 ** 3;
  return rrdRows(ctx.seed, nowSeconds(ctx), req.params.timeframe, req.params.cf, {
    id: `node/${node.name}`,
    constants: { maxcpu: node.cores, memtotal: mem, swaptotal: 8 * 1024 ** 3, roottotal: root },
    sources: {
      cpu: (l) => round(0.01 + l * 0.2),
      iowait: (l) => round(l * 0.01),
      loadavg: (l) => round(l * node.cores * 0.3, 2),
      memused: (l) => Math.round(mem * (0.2 + l * 0.3)),
      swapused: (l) => Math.round(l * 64 * 1024 ** 2),
      rootused: (l) => Math.round(root * (0.08 + l * 0.01)),
      netin: (l) => round(l * 250_000, 2),
      netout: (l) => round(l * 120_000, 2),
    },
  });
}

export function guestRrd(ctx: SimContext, guest: Guest, req: SimRequest): Record<string, number>[] {
  const s = guestSummary(ctx, guest);
  const running = guest.status === 'running';
  return rrdRows(ctx.seed, nowSeconds(ctx), req.params.timeframe, req.params.cf, {
    id: `${guest.type}/${guest.vmid}`,
    constants: { maxcpu: s.cpus, maxmem: s.maxmem, maxdisk: s.maxdisk, disk: 0 },
    sources: {
      cpu: (l) => (running ? round(l * 0.3) : 0),
      mem: (l) => (running ? Math.round(s.maxmem * (0.15 + l * 0.4)) : 0),
      diskread: (l) => (running ? round(l * 40_000, 2) : 0),
      diskwrite: (l) => (running ? round(l * 60_000, 2) : 0),
      netin: (l) => (running ? round(l * 30_000, 2) : 0),
      netout: (l) => (running ? round(l * 20_000, 2) : 0),
    },
  });
}

/**
 * pve-manager Services.pm: a `srv<action>` worker running `systemctl <action> <unit>`;
 * reloading a stopped unit fails like systemctl does. pve-cluster and pveproxy restart
 * through their own helpers in PVE, here they simply stay up.
 */
function serviceAction(
  ctx: SimContext,
  req: SimRequest,
  n: SimNode,
  action: 'start' | 'stop' | 'restart' | 'reload',
): string {
  const service = String(req.params.service);
  return startTask(ctx, req, { node: n.name }, `srv${action}`, service, async (task) => {
    const stopped = new Set(n.settings?.stopped ?? []);
    const absent = service === 'systemd-timesyncd' || service === 'syslog';
    if (absent) throw new Error(`command 'systemctl ${action} ${service}' failed: exit code 5`);
    if (action === 'reload' && stopped.has(service))
      throw new Error(`command 'systemctl reload ${service}' failed: exit code 1`);
    await task.sleep(duration(ctx, `srv${action}`));
    if (action === 'stop') stopped.add(service);
    else stopped.delete(service);
    n.settings = { ...n.settings, stopped: [...stopped].sort() };
  });
}

function hostsFile(n: SimNode): string {
  return (
    n.settings?.hosts ??
    `127.0.0.1 localhost.localdomain localhost\n${n.ip} ${n.name}.home.arpa ${n.name}\n\n` +
      '# The following lines are desirable for IPv6 capable hosts\n\n::1     ip6-localhost ip6-loopback\n' +
      'fe00::0 ip6-localnet\nff00::0 ip6-mcastprefix\nff02::1 ip6-allnodes\nff02::2 ip6-allrouters\nff02::3 ip6-allhosts\n'
  );
}

function validTimezone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The zone's UTC offset at `time` (what `localtime` adds), from the ICU zone data. */
function tzOffsetSeconds(zone: string, time: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(time * 1000));
  const get = (t: string): number => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const local = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) / 1000;
  return local - time;
}

function fingerprintOfText(text: string): string {
  return (createHash('sha256').update(text).digest('hex').toUpperCase().match(/../g) ?? []).join(':');
}

function feature(ctx: SimContext, req: SimRequest, type: GuestType): Record<string, unknown> {
  const guest = requireGuest(ctx, req.params.node, req.params.vmid, type);
  const snapname = strParam(req.params, 'snapname');
  const conf = snapname ? guest.snapshots[snapname]?.config : guest.config;
  if (!conf) throw new SimApiError(500, `snapshot '${snapname ?? ''}' does not exist`);
  const want = String(req.params.feature);
  // QEMU/LXC `has_feature`: every volume's storage must support it.
  const volumes: string[] = [];
  for (const [key, value] of Object.entries(conf)) {
    if (typeof value !== 'string') continue;
    if (type === 'qemu' && DISK_KEY_RE.test(key)) {
      const d = parseProps(value, FORMATS.qemuDisk);
      if (d.media !== 'cdrom' && d.file?.includes(':')) volumes.push(d.file);
    }
    if (type === 'lxc' && (key === 'rootfs' || /^mp\d+$/.test(key))) {
      const v = parseProps(value, key === 'rootfs' ? FORMATS.lxcRootfs : FORMATS.lxcMp).volume;
      if (v?.includes(':')) volumes.push(v);
    }
  }
  const supports = (volid: string): boolean => {
    const c = ctx.storage.configs.get(volid.split(':')[0] ?? '');
    if (!c) return false;
    if (want === 'copy') return true;
    if (want === 'snapshot') return ['zfspool', 'lvmthin', 'rbd'].includes(c.type) || volid.endsWith('.qcow2');
    // clone: linked clones of templates need base volumes on a storage that can link.
    return ctx.storage.canLinkClone(volid, snapname !== undefined) || guest.config.template !== 1;
  };
  const has = volumes.every(supports) ? 1 : 0;
  return type === 'qemu' ? { hasFeature: has, nodes: has ? [...ctx.nodes.keys()] : [] } : { hasFeature: has };
}

export function nodeInfoRoutes(ctx: SimContext): SimRoute[] {
  const node = (req: SimRequest): SimNode => requireNode(ctx, req.params.node);
  return [
    route('GET', `${N}/version`, (req) => {
      node(req);
      return { ...PVE_VERSION };
    }),
    route('GET', `${N}/time`, (req) => {
      const n = node(req);
      const time = nowSeconds(ctx);
      const timezone = n.settings?.timezone ?? 'UTC';
      return { timezone, time, localtime: time + tzOffsetSeconds(timezone, time) };
    }),
    route('PUT', `${N}/time`, (req) => {
      const n = node(req);
      const timezone = String(req.params.timezone);
      // PVE checks the zone exists under /usr/share/zoneinfo.
      if (!validTimezone(timezone)) throw new SimApiError(500, `invalid time zone '${timezone}'`);
      n.settings = { ...n.settings, timezone };
      return null;
    }),
    route('GET', `${N}/dns`, (req) => {
      const n = node(req);
      return n.settings?.dns ?? { search: 'home.arpa', dns1: '192.168.1.1' };
    }),
    route('PUT', `${N}/dns`, (req) => {
      const n = node(req);
      const dns: NonNullable<NodeSettings['dns']> = { search: String(req.params.search) };
      for (const k of ['dns1', 'dns2', 'dns3'] as const) if (typeof req.params[k] === 'string') dns[k] = req.params[k];
      n.settings = { ...n.settings, dns };
      return null;
    }),
    route('GET', `${N}/hosts`, (req) => {
      const text = hostsFile(node(req));
      return { data: text, digest: createHash('sha1').update(text).digest('hex') };
    }),
    route('POST', `${N}/hosts`, (req) => {
      const n = node(req);
      const digest = createHash('sha1').update(hostsFile(n)).digest('hex');
      if (typeof req.params.digest === 'string' && req.params.digest !== digest)
        throw new SimApiError(500, 'hosts file changed by other user');
      n.settings = { ...n.settings, hosts: String(req.params.data) };
      return null;
    }),
    route('GET', `${N}/subscription`, (req) => {
      node(req);
      // A node without a key (pve-manager Subscription.pm): status `notfound`.
      return {
        status: 'notfound',
        message: 'There is no subscription key',
        url: 'https://www.proxmox.com/en/proxmox-virtual-environment/pricing',
      };
    }),
    route('GET', `${N}/netstat`, (req) => {
      const n = node(req);
      const out: Record<string, unknown>[] = [];
      for (const g of ctx.guests.values()) {
        if (g.node !== n.name || g.status !== 'running') continue;
        for (const key of Object.keys(g.config)
          .filter((k) => /^net\d+$/.test(k))
          .sort()) {
          const dev = g.type === 'qemu' ? `tap${g.vmid}i${key.slice(3)}` : `veth${g.vmid}i${key.slice(3)}`;
          out.push({ vmid: String(g.vmid), dev, in: String(g.vmid * 1000), out: String(g.vmid * 700) });
        }
      }
      return out;
    }),
    route('GET', `${N}/services`, (req) => {
      node(req);
      return SERVICES.map(([name]) => serviceState(ctx, name, node(req)));
    }),
    route('GET', `${N}/services/{service}`, (req) => {
      node(req);
      return ['state', 'start', 'stop', 'restart', 'reload'].map((subdir) => ({ subdir }));
    }),
    route('GET', `${N}/services/{service}/state`, (req) => {
      return serviceState(ctx, String(req.params.service), node(req));
    }),
    ...(['start', 'stop', 'restart', 'reload'] as const).map((action) =>
      route('POST', `${N}/services/{service}/${action}`, (req) => serviceAction(ctx, req, node(req), action)),
    ),
    route('POST', `${N}/apt/update`, (req) => {
      const n = node(req);
      return startTask(ctx, req, { node: n.name }, 'aptupdate', '', async (task) => {
        task.log('starting apt-get update');
        await task.sleep(duration(ctx, 'aptupdate'));
        task.log('Reading package lists...');
        // Nothing newer in the simulated repositories (GET apt/update lists no updates).
      });
    }),
    route('GET', `${N}/apt`, (req) => {
      node(req);
      return ['changelog', 'repositories', 'update', 'versions'].map((id) => ({ id }));
    }),
    route('GET', `${N}/apt/versions`, (req) => {
      node(req);
      return PACKAGES.map(([Package, version, Title]) => ({
        Package,
        Title,
        Description: Title,
        Version: version,
        OldVersion: version,
        CurrentState: 'Installed',
        Arch: 'amd64',
        Origin: 'Proxmox',
        Priority: 'optional',
        Section: 'admin',
        ...(Package === 'pve-manager'
          ? { RunningVersion: `${version}/${PVE_VERSION.repoid}`, ManagerVersion: version }
          : {}),
        ...(Package === 'proxmox-ve' ? { RunningKernel: '6.8.12-9-pve' } : {}),
      }));
    }),
    route('GET', `${N}/apt/update`, (req) => {
      node(req);
      // No newer packages in the simulated repositories.
      return [];
    }),
    route('GET', `${N}/hardware`, (req) => {
      node(req);
      return [{ type: 'pci' }, { type: 'usb' }];
    }),
    route('GET', `${N}/hardware/pci`, (req) => {
      node(req);
      const blacklist = (strParam(req.params, 'pci-class-blacklist') ?? '05;06;0b').split(/[;,]/).filter(Boolean);
      const verbose = req.params.verbose !== 0;
      return PCI.filter(([, cls]) => !blacklist.some((b) => cls.slice(2).startsWith(b))).map(
        ([id, cls, vendor, device, vendorName, deviceName, group]) => ({
          id,
          class: cls,
          vendor,
          device,
          iommugroup: group,
          subsystem_vendor: '0x1af4',
          subsystem_device: '0x1100',
          ...(verbose && vendorName ? { vendor_name: vendorName, device_name: deviceName } : {}),
        }),
      );
    }),
    route('GET', `${N}/hardware/pci/{pci-id-or-mapping}`, (req) => {
      node(req);
      const id = String(req.params['pci-id-or-mapping']);
      const full = /^[0-9a-f]{4}:/i.test(id) ? id : `0000:${id}`;
      if (!PCI.some(([pci]) => pci === full)) throw new SimApiError(500, `could not find PCI device '${id}'`);
      return [{ method: 'mdev' }];
    }),
    route('GET', `${N}/hardware/usb`, (req) => {
      node(req);
      return [
        {
          busnum: 1,
          devnum: 1,
          port: 0,
          level: 0,
          class: 9,
          vendid: '1d6b',
          prodid: '0002',
          speed: '480',
          manufacturer: 'Linux 6.8.12-9-pve ehci_hcd',
          product: 'EHCI Host Controller',
        },
      ];
    }),
    route('GET', `${N}/capabilities`, (req) => {
      node(req);
      return [{ name: 'qemu' }];
    }),
    route('GET', `${N}/capabilities/qemu`, (req) => {
      node(req);
      return [{ name: 'cpu' }, { name: 'machines' }];
    }),
    route('GET', `${N}/capabilities/qemu/cpu`, (req) => {
      node(req);
      return CPU_MODELS.map(([name, vendor]) => ({ name, vendor, custom: 0 }));
    }),
    route('GET', `${N}/capabilities/qemu/machines`, (req) => {
      node(req);
      const out: Record<string, unknown>[] = [];
      for (const v of ['9.2', '9.1', '9.0', '8.2', '8.1']) {
        out.push({ id: `pc-q35-${v}`, type: 'q35', version: v });
        out.push({ id: `pc-i440fx-${v}`, type: 'i440fx', version: v });
      }
      return out;
    }),
    route('GET', `${N}/replication`, (req) => {
      node(req);
      // No replication jobs are configured (no second node with ZFS storage to replicate to).
      return [];
    }),
    route('GET', `${N}/syslog`, (req) => {
      const n = node(req);
      const lines = [
        `${n.name} systemd[1]: Started pveproxy.service - PVE API Proxy Server.`,
        `${n.name} pvedaemon[1201]: <root@pam> starting task`,
      ];
      const start = typeof req.params.start === 'number' ? req.params.start : 0;
      const limit = typeof req.params.limit === 'number' ? req.params.limit : 50;
      return lines.slice(start, start + limit).map((t, i) => ({ n: start + i + 1, t }));
    }),
    route('GET', `${N}/journal`, (req) => {
      const n = node(req);
      return [`${n.name} systemd[1]: Started pveproxy.service - PVE API Proxy Server.`];
    }),
    route('GET', `${N}/report`, (req) => {
      const n = node(req);
      return `==== general system info ====\n\n# hostname\n${n.name}\n\n# pveversion --verbose\npve-manager: ${PVE_VERSION.version}\n`;
    }),
    route('GET', `${N}/config`, (req) => {
      node(req);
      const digest = createHash('sha1').update('').digest('hex');
      const property = strParam(req.params, 'property');
      return property ? {} : { digest };
    }),
    route('GET', `${N}/certificates`, (req) => {
      node(req);
      return [{ name: 'acme' }, { name: 'custom' }, { name: 'info' }];
    }),
    route('GET', `${N}/certificates/info`, (req) => {
      const n = node(req);
      const now = nowSeconds(ctx);
      const pem = `-----BEGIN CERTIFICATE-----\nsimulated-${n.name}\n-----END CERTIFICATE-----\n`;
      return [
        {
          filename: 'pve-root-ca.pem',
          fingerprint: fingerprintOfText(`ca/${n.name}`),
          issuer: '/CN=Proxmox Virtual Environment/OU=simulated/O=PVE Cluster Manager CA',
          subject: '/CN=Proxmox Virtual Environment/OU=simulated/O=PVE Cluster Manager CA',
          notbefore: now - 86400 * 30,
          notafter: now + 86400 * 3650,
          'public-key-type': 'rsaEncryption',
          'public-key-bits': 4096,
          san: [],
          pem,
        },
        {
          filename: 'pve-ssl.pem',
          fingerprint: ctx.sslFingerprint ?? fingerprintOfText(`ssl/${n.name}`),
          issuer: '/CN=Proxmox Virtual Environment/OU=simulated/O=PVE Cluster Manager CA',
          subject: `/OU=PVE Cluster Node/O=Proxmox Virtual Environment/CN=${n.name}.home.arpa`,
          notbefore: now - 86400 * 30,
          notafter: now + 86400 * 700,
          'public-key-type': 'rsaEncryption',
          'public-key-bits': 2048,
          san: [
            '127.0.0.1',
            '0000:0000:0000:0000:0000:0000:0000:0001',
            'localhost',
            n.ip,
            n.name,
            `${n.name}.home.arpa`,
          ],
          pem,
        },
      ];
    }),
    route('GET', `${N}/rrddata`, (req) => nodeRrd(ctx, node(req), req)),
    route('GET', `${N}/qemu/{vmid}/rrddata`, (req) =>
      guestRrd(ctx, requireGuest(ctx, req.params.node, req.params.vmid, 'qemu'), req),
    ),
    route('GET', `${N}/lxc/{vmid}/rrddata`, (req) =>
      guestRrd(ctx, requireGuest(ctx, req.params.node, req.params.vmid, 'lxc'), req),
    ),
    route('GET', `${N}/storage/{storage}/rrddata`, (req) => {
      const n = node(req);
      const c = ctx.storage.get(String(req.params.storage));
      const used = ctx.storage.used(n.name, c.storage);
      return rrdRows(ctx.seed, nowSeconds(ctx), req.params.timeframe, req.params.cf, {
        id: `storage/${n.name}/${c.storage}`,
        constants: { total: c.capacity },
        sources: { used: (l) => Math.round(used * (0.97 + l * 0.03)) },
      });
    }),
    route('GET', `${N}/qemu/{vmid}/feature`, (req) => feature(ctx, req, 'qemu')),
    route('GET', `${N}/lxc/{vmid}/feature`, (req) => feature(ctx, req, 'lxc')),
    route('GET', `${N}/qemu/{vmid}/migrate`, (req) => {
      const guest = requireGuest(ctx, req.params.node, req.params.vmid, 'qemu');
      const others = [...ctx.nodes.keys()].filter((n) => n !== guest.node);
      const localDisks: Record<string, unknown>[] = [];
      const unavailable: string[] = [];
      for (const [key, value] of Object.entries(guest.config)) {
        if (!DISK_KEY_RE.test(key) && !/^unused\d+$/.test(key)) continue;
        const d = parseProps(String(value), FORMATS.qemuDisk);
        const volid = d.file ?? '';
        const c = ctx.storage.configs.get(volid.split(':')[0] ?? '');
        if (!c || ctx.storage.isShared(c)) continue;
        if (!unavailable.includes(c.storage) && c.nodes !== undefined) unavailable.push(c.storage);
        localDisks.push({
          volid,
          size: ctx.storage.find(guest.node, volid)?.size ?? 0,
          cdrom: d.media === 'cdrom' ? 1 : 0,
          is_unused: /^unused/.test(key) ? 1 : 0,
        });
      }
      return {
        running: guest.status === 'running' ? 1 : 0,
        allowed_nodes: unavailable.length === 0 ? others : [],
        not_allowed_nodes: Object.fromEntries(
          (unavailable.length === 0 ? [] : others).map((n) => [n, { unavailable_storages: unavailable }]),
        ),
        local_disks: localDisks,
        local_resources: [],
        'mapped-resources': [],
        'mapped-resource-info': {},
      };
    }),
    route('GET', `${N}/scan`, (req) => {
      node(req);
      return ['cifs', 'glusterfs', 'iscsi', 'lvm', 'lvmthin', 'nfs', 'pbs', 'zfs'].map((method) => ({ method }));
    }),
    route('GET', `${N}/scan/lvm`, (req) => {
      node(req);
      return [{ vg: 'pve' }];
    }),
    route('GET', `${N}/scan/lvmthin`, (req) => {
      node(req);
      if (String(req.params.vg) !== 'pve')
        throw new SimApiError(500, `no such volume group '${String(req.params.vg)}'`);
      return [{ lv: 'data' }];
    }),
    route('GET', `${N}/scan/zfs`, (req) => {
      const n = node(req);
      return [{ pool: 'rpool/data' }, ...n.disks.zpools.map((p) => ({ pool: p.name }))];
    }),
    route('GET', `${N}/vzdump/defaults`, (req) => {
      node(req);
      return {
        mode: 'snapshot',
        compress: 'zstd',
        'prune-backups': 'keep-all=1',
        ...(req.params.storage ? { storage: String(req.params.storage) } : {}),
      };
    }),
    route('GET', `${N}/sdn`, (req) => {
      node(req);
      return [{ name: 'zones' }];
    }),
    route('GET', `${N}/sdn/zones`, (req) => {
      node(req);
      return [{ zone: 'localnetwork', status: 'available' }];
    }),
    route('GET', `${N}/sdn/zones/{zone}`, (req) => {
      node(req);
      if (req.params.zone !== 'localnetwork')
        throw new SimApiError(500, `zone '${String(req.params.zone)}' does not exist`);
      return [{ subdir: 'content' }];
    }),
    route('GET', `${N}/sdn/zones/{zone}/content`, (req) => {
      const n = node(req);
      if (req.params.zone !== 'localnetwork')
        throw new SimApiError(500, `zone '${String(req.params.zone)}' does not exist`);
      return n.network.active.filter((i) => i.type === 'bridge').map((i) => ({ vnet: i.iface, status: 'available' }));
    }),
    route('GET', `${N}/firewall`, (req) => {
      node(req);
      return ['rules', 'options', 'log'].map((name) => ({ name }));
    }),
    route('GET', `${N}/firewall/log`, (req) => {
      node(req);
      return [{ n: 1, t: 'no content' }];
    }),
  ];
}
