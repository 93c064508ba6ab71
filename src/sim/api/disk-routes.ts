/**
 * Node disks and ZFS pools: `GET /nodes/{node}/disks/list`, `GET|POST /nodes/{node}/disks/zfs`,
 * `GET|DELETE /nodes/{node}/disks/zfs/{name}`. The spec has no section on them: shapes come from
 * the 8.4 schema, checks and messages from pve-manager `API2/Disks/ZFS.pm` (synchronous device
 * and raid-level checks, then a `zfscreate` / `zfsremove` worker).
 */
import { SimApiError, type SimRoute } from '../contract.ts';
import { bool, duration, requireNode, type SimContext, type SimNode } from '../state/context.ts';
import { MIN_DISKS, poolSize, vdevTree, type RaidLevel, type SimDisk, type ZfsPool } from '../state/disks.ts';
import { route, strParam } from './envelope.ts';
import { startTask } from './guest-ops.ts';

/** `sdb` and `/dev/sdb` name the same disk (Diskmanage `verify_blockdev_path`). */
function devPath(dev: string): string {
  return dev.startsWith('/dev/') ? dev : `/dev/${dev}`;
}

function requirePool(node: SimNode, name: string): ZfsPool {
  const pool = node.disks.zpools.find((p) => p.name === name);
  if (!pool) throw new SimApiError(500, `zpool '${name}' does not exist`);
  return pool;
}

/** ZFS.pm create: device count per raid level, then every device must exist and be unused. */
function checkCreate(node: SimNode, name: string, raidlevel: RaidLevel, devices: string[], p: Record<string, unknown>) {
  if (node.disks.zpools.some((z) => z.name === name))
    throw new SimApiError(500, `pool '${name}' already exists on node '${node.name}'`);
  const n = devices.length;
  if (raidlevel === 'raid10' && n % 2 !== 0) throw new SimApiError(500, 'raid10 needs an even number of disks');
  if (raidlevel === 'single' && n > 1) throw new SimApiError(500, 'please give only one disk for single disk mode');
  if (n < MIN_DISKS[raidlevel]) throw new SimApiError(500, `${raidlevel} needs at least ${MIN_DISKS[raidlevel]} disks`);
  if (raidlevel.startsWith('draid') && p['draid-config'] === undefined)
    throw new SimApiError(500, `draid-config is required for '${raidlevel}'`);
  if (new Set(devices).size !== n) throw new SimApiError(500, 'device list contains duplicates');
  for (const dev of devices) {
    const disk = node.disks.disks.find((d) => d.devpath === dev);
    if (!disk) throw new SimApiError(500, `no such block device '${dev}'`);
    if (disk.used) throw new SimApiError(500, `device '${dev}' is already in use`);
  }
}

/** The SMART attributes smartctl prints for a healthy ATA disk (Diskmanage `get_smart_data`). */
function smartAttributes(disk: SimDisk): Record<string, unknown>[] {
  const hours = 8000 + (disk.serial.charCodeAt(disk.serial.length - 5) % 16) * 100;
  return [
    [1, 'Raw_Read_Error_Rate', 100, 100, 6, 'POSR--', '0'],
    [5, 'Reallocated_Sector_Ct', 100, 100, 36, 'PO--CK', '0'],
    [9, 'Power_On_Hours', 91, 91, 0, '-O--CK', String(hours)],
    [12, 'Power_Cycle_Count', 100, 100, 20, '-O--CK', '42'],
    [194, 'Temperature_Celsius', 34, 48, 0, '-O---K', '34'],
    [197, 'Current_Pending_Sector', 100, 100, 0, '-O--C-', '0'],
  ].map(([id, name, value, worst, threshold, flags, raw]) => ({
    id: String(id).padStart(3, ' '),
    name,
    value: String(value).padStart(3, '0'),
    worst: String(worst).padStart(3, '0'),
    threshold: String(threshold).padStart(3, '0'),
    fail: '-',
    flags,
    raw,
    normalized: Number(value),
  }));
}

export function diskRoutes(ctx: SimContext): SimRoute[] {
  return [
    route('GET', '/nodes/{node}/disks', (req) => {
      requireNode(ctx, req.params.node);
      return ['list', 'smart', 'lvm', 'lvmthin', 'directory', 'zfs', 'initgpt', 'wipedisk'].map((name) => ({ name }));
    }),
    route('GET', '/nodes/{node}/disks/smart', (req) => {
      const node = requireNode(ctx, req.params.node);
      const path = devPath(String(req.params.disk));
      const disk = node.disks.disks.find((d) => d.devpath === path);
      if (!disk) throw new SimApiError(500, `no such block device '${path}'`);
      if (req.params.healthonly === 1) return { health: 'PASSED' };
      return { health: 'PASSED', type: 'ata', attributes: smartAttributes(disk) };
    }),
    route('GET', '/nodes/{node}/disks/lvm', (req) => {
      const node = requireNode(ctx, req.params.node);
      // The installer's volume group `pve` on the system disk's third partition.
      const sys = node.disks.disks.find((d) => d.used === 'LVM');
      if (!sys) return { leaf: 0, children: [] };
      const size = sys.size - 1024 ** 3;
      const free = Math.round(size * 0.05);
      return {
        leaf: 0,
        children: [{ name: 'pve', size, free, leaf: 0, children: [{ name: `${sys.devpath}3`, size, free, leaf: 1 }] }],
      };
    }),
    route('GET', '/nodes/{node}/disks/lvmthin', (req) => {
      const node = requireNode(ctx, req.params.node);
      return [...ctx.storage.configs.values()]
        .filter((c) => c.type === 'lvmthin' && ctx.storage.availableOn(c, node.name))
        .map((c) => ({
          lv: String(c.thinpool ?? 'data'),
          vg: String(c.vgname ?? 'pve'),
          lv_size: c.capacity,
          used: ctx.storage.used(node.name, c.storage),
          metadata_size: Math.round(c.capacity / 100),
          metadata_used: Math.round(c.capacity / 100 / 20),
        }));
    }),
    route('GET', '/nodes/{node}/disks/directory', (req) => {
      requireNode(ctx, req.params.node);
      // Directory storages made with `POST /disks/directory` (mnt-pve-*.mount units): none yet.
      return [];
    }),
    route('GET', '/nodes/{node}/disks/list', (req) => {
      const node = requireNode(ctx, req.params.node);
      const type = strParam(req.params, 'type');
      return node.disks.disks
        .filter((d) => type !== 'unused' || !d.used)
        .map((d) => ({
          devpath: d.devpath,
          size: d.size,
          model: d.model,
          serial: d.serial,
          vendor: 'ATA',
          wwn: 'unknown',
          gpt: d.used ? 1 : 0,
          mounted: 0,
          health: 'UNKNOWN',
          osdid: -1,
          'osdid-list': null,
          type: 'hdd',
          ...(d.used ? { used: d.used } : {}),
        }));
    }),
    route('GET', '/nodes/{node}/disks/zfs', (req) => {
      const node = requireNode(ctx, req.params.node);
      return node.disks.zpools.map((z) => ({
        name: z.name,
        size: z.size,
        alloc: z.alloc,
        free: z.size - z.alloc,
        frag: 0,
        dedup: 1,
        health: 'ONLINE',
      }));
    }),
    route('GET', '/nodes/{node}/disks/zfs/{name}', (req) => {
      const pool = requirePool(requireNode(ctx, req.params.node), String(req.params.name));
      return {
        name: pool.name,
        state: 'ONLINE',
        scan: 'none requested',
        errors: 'No known data errors',
        children: vdevTree(pool),
      };
    }),
    route('POST', '/nodes/{node}/disks/zfs', (req) => {
      const p = req.params;
      const node = requireNode(ctx, p.node);
      const name = String(p.name);
      const raidlevel = String(p.raidlevel) as RaidLevel;
      const devices = String(p.devices)
        .split(/[,;\s]+/)
        .filter(Boolean)
        .map(devPath);
      checkCreate(node, name, raidlevel, devices, p);
      const addStorage = bool(p.add_storage);
      if (addStorage && ctx.storage.configs.has(name))
        throw new SimApiError(500, `storage ID '${name}' already defined`);
      const ashift = Number(p.ashift ?? 12);
      const compression = String(p.compression ?? 'on');
      // The disks are taken before the worker runs, as `locked_disk_action` holds them.
      const disks = devices.map((dev) => node.disks.disks.find((d) => d.devpath === dev)!);
      for (const d of disks) d.used = 'ZFS';
      return startTask(
        ctx,
        req,
        { node: node.name },
        'zfscreate',
        name,
        async (task) => {
          task.log(
            `# zpool create -o ashift=${ashift} ${name} ${raidlevel === 'single' ? '' : `${raidlevel} `}${devices.join(' ')}`,
          );
          await task.sleep(duration(ctx, 'zfscreate'));
          node.disks.zpools.push({
            name,
            raidlevel,
            devices,
            ashift,
            compression,
            size: poolSize(
              raidlevel,
              disks.map((d) => d.size),
            ),
            alloc: 0,
          });
          task.log(`# zfs set compression=${compression} ${name}`);
          if (addStorage) {
            // ZFS.pm: a zfspool storage named like the pool, limited to this node.
            ctx.storage.configs.set(name, {
              storage: name,
              type: 'zfspool',
              pool: name,
              content: ['images', 'rootdir'],
              nodes: [node.name],
              capacity: poolSize(
                raidlevel,
                disks.map((d) => d.size),
              ),
            });
          }
        },
        { onError: () => disks.forEach((d) => delete d.used) },
      );
    }),
    route('DELETE', '/nodes/{node}/disks/zfs/{name}', (req) => {
      const p = req.params;
      const node = requireNode(ctx, p.node);
      const pool = requirePool(node, String(p.name));
      return startTask(ctx, req, { node: node.name }, 'zfsremove', pool.name, async (task) => {
        task.log(`# zpool destroy ${pool.name}`);
        await task.sleep(duration(ctx, 'zfsremove'));
        node.disks.zpools = node.disks.zpools.filter((z) => z !== pool);
        // Without cleanup-disks the ZFS labels stay: the disks still show as used by ZFS.
        if (bool(p['cleanup-disks']))
          for (const d of node.disks.disks) if (pool.devices.includes(d.devpath)) delete d.used;
        if (bool(p['cleanup-config'])) {
          for (const c of [...ctx.storage.configs.values()]) {
            if (c.type !== 'zfspool' || (c.pool !== pool.name && !c.pool?.startsWith(`${pool.name}/`))) continue;
            const nodes = c.nodes ?? [...ctx.nodes.keys()];
            const rest = nodes.filter((n) => n !== node.name);
            if (rest.length === 0) ctx.storage.configs.delete(c.storage);
            else c.nodes = rest;
          }
        }
      });
    }),
  ];
}
