/**
 * Node disks and ZFS pools (`/nodes/{node}/disks/list`, `/disks/zfs`). PVE_API_SPEC.md has no
 * section on them; the shapes follow the 8.4 schema (apidata-pve8.4.json) and the checks follow
 * pve-manager `API2/Disks/ZFS.pm` (minimum device count per raid level, disks must be unused).
 * A simulated node has one system disk and three unused 1 TB disks (/dev/sdb, sdc, sdd).
 */
import { GiB } from './props.ts';

export interface SimDisk {
  devpath: string;
  size: number;
  model: string;
  serial: string;
  /** What uses the disk (`LVM`, `ZFS`, ...); absent = unused. */
  used?: string;
}

export type RaidLevel = 'single' | 'mirror' | 'raid10' | 'raidz' | 'raidz2' | 'raidz3' | 'draid' | 'draid2' | 'draid3';

export interface ZfsPool {
  name: string;
  raidlevel: RaidLevel;
  devices: string[];
  ashift: number;
  compression: string;
  size: number;
  alloc: number;
}

export interface NodeDisks {
  disks: SimDisk[];
  zpools: ZfsPool[];
}

export function defaultDisks(nodeIndex: number): NodeDisks {
  const disk = (letter: string, size: number, used?: string): SimDisk => ({
    devpath: `/dev/sd${letter}`,
    size,
    model: 'QEMU_HARDDISK',
    serial: `SIM${nodeIndex}${letter.toUpperCase()}0001`,
    ...(used ? { used } : {}),
  });
  return {
    disks: [disk('a', 256 * GiB, 'LVM'), disk('b', 1000 * GiB), disk('c', 1000 * GiB), disk('d', 1000 * GiB)],
    zpools: [],
  };
}

/** Minimum device count per raid level (ZFS.pm `$mindisks`). */
export const MIN_DISKS: Record<RaidLevel, number> = {
  single: 1,
  mirror: 2,
  raid10: 4,
  raidz: 3,
  raidz2: 4,
  raidz3: 5,
  draid: 3,
  draid2: 4,
  draid3: 5,
};

/** Usable capacity: mirrors keep one copy per vdev, raidzN loses N devices to parity. */
export function poolSize(raidlevel: RaidLevel, sizes: number[]): number {
  const smallest = Math.min(...sizes);
  const n = sizes.length;
  const parity: Record<RaidLevel, number> = {
    single: 0,
    mirror: n - 1,
    raid10: n / 2,
    raidz: 1,
    raidz2: 2,
    raidz3: 3,
    draid: 1,
    draid2: 2,
    draid3: 3,
  };
  return smallest * (n - parity[raidlevel]);
}

/** The vdev tree `zpool status` prints, as `GET /disks/zfs/{name}` returns it in `children`. */
export function vdevTree(pool: ZfsPool): Record<string, unknown>[] {
  const leaf = (dev: string) => ({
    name: dev.replace(/^\/dev\//, ''),
    state: 'ONLINE',
    read: 0,
    write: 0,
    cksum: 0,
    msg: '',
  });
  const group = (name: string, devs: string[]) => ({ ...leaf(name), name, children: devs.map(leaf) });
  let vdevs: Record<string, unknown>[];
  if (pool.raidlevel === 'single') vdevs = pool.devices.map(leaf);
  else if (pool.raidlevel === 'raid10') {
    vdevs = [];
    for (let i = 0; i < pool.devices.length; i += 2) vdevs.push(group(`mirror-${i / 2}`, pool.devices.slice(i, i + 2)));
  } else {
    const prefix = pool.raidlevel === 'raidz' ? 'raidz1' : pool.raidlevel === 'draid' ? 'draid1' : pool.raidlevel;
    vdevs = [group(`${prefix}-0`, pool.devices)];
  }
  return [{ ...leaf(pool.name), children: vdevs }];
}
