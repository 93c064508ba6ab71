/**
 * Storage (spec §6.2, A.6): storage.cfg entries of type dir, nfs, zfspool and lvmthin, their
 * content-type limits, and the volumes on them with PVE's volume-id naming. Local storages
 * hold one volume set per node; shared ones (nfs, or `shared=1`) one set for the cluster.
 */
import { SimApiError } from '../contract.ts';
import { GiB } from './props.ts';

export type StorageType = 'dir' | 'nfs' | 'zfspool' | 'lvmthin';

/** Content types each plugin supports (spec §6.2 "Content types per storage type"). */
export const SUPPORTED_CONTENT: Record<StorageType, readonly string[]> = {
  dir: ['images', 'rootdir', 'vztmpl', 'iso', 'backup', 'snippets', 'import'],
  nfs: ['images', 'rootdir', 'vztmpl', 'iso', 'backup', 'snippets', 'import'],
  zfspool: ['images', 'rootdir'],
  lvmthin: ['images', 'rootdir'],
};

export interface StorageConfig {
  storage: string;
  type: StorageType;
  content: string[];
  path?: string;
  pool?: string;
  vgname?: string;
  thinpool?: string;
  server?: string;
  export?: string;
  shared?: number;
  nodes?: string[];
  disable?: number;
  format?: string;
  /** Simulated capacity in bytes. */
  capacity: number;
}

export interface Volume {
  volid: string;
  content: string;
  format: string;
  size: number;
  vmid?: number;
  ctime: number;
  parent?: string;
}

export function defaultStorages(): StorageConfig[] {
  return [
    { storage: 'local', type: 'dir', path: '/var/lib/vz', content: ['iso', 'vztmpl', 'backup'], capacity: 100 * GiB },
    {
      storage: 'local-lvm',
      type: 'lvmthin',
      vgname: 'pve',
      thinpool: 'data',
      content: ['rootdir', 'images'],
      capacity: 500 * GiB,
    },
  ];
}

/** `storage:volname` → parts; the owner vmid for image volumes. */
export function parseVolid(volid: string): { storage: string; volname: string; vmid?: number } {
  const idx = volid.indexOf(':');
  if (idx <= 0) throw new SimApiError(500, `unable to parse volume ID '${volid}'`);
  const storage = volid.slice(0, idx);
  const volname = volid.slice(idx + 1);
  const m = /^(?:(\d+)\/)?(?:.*\/)?(?:vm|base|subvol|basevol)-(\d+)-/.exec(volname);
  return { storage, volname, vmid: m ? Number(m[1] ?? m[2]) : undefined };
}

export class StorageState {
  readonly configs = new Map<string, StorageConfig>();
  /** key `<node>|<storage>` (or `*|<storage>` when shared) → volid → volume. */
  private readonly volumes = new Map<string, Map<string, Volume>>();

  constructor(configs: StorageConfig[]) {
    for (const c of configs) this.configs.set(c.storage, c);
  }

  get(storage: string): StorageConfig {
    const c = this.configs.get(storage);
    if (!c) throw new SimApiError(500, `storage '${storage}' does not exist`);
    return c;
  }

  isShared(c: StorageConfig): boolean {
    return c.type === 'nfs' || c.shared === 1;
  }

  availableOn(c: StorageConfig, node: string): boolean {
    return !c.nodes || c.nodes.length === 0 || c.nodes.includes(node);
  }

  supports(storage: string, content: string): boolean {
    return this.get(storage).content.includes(content);
  }

  private bucket(node: string, storage: string): Map<string, Volume> {
    const c = this.get(storage);
    const key = `${this.isShared(c) ? '*' : node}|${storage}`;
    let b = this.volumes.get(key);
    if (!b) {
      b = new Map();
      this.volumes.set(key, b);
    }
    return b;
  }

  list(node: string, storage: string): Volume[] {
    return [...this.bucket(node, storage).values()];
  }

  find(node: string, volid: string): Volume | undefined {
    const { storage } = parseVolid(volid);
    if (!this.configs.has(storage)) return undefined;
    return this.bucket(node, storage).get(volid);
  }

  add(node: string, volume: Volume): void {
    this.bucket(node, parseVolid(volume.volid).storage).set(volume.volid, volume);
  }

  free(node: string, volid: string): void {
    const { storage } = parseVolid(volid);
    if (this.configs.has(storage)) this.bucket(node, storage).delete(volid);
  }

  used(node: string, storage: string): number {
    let sum = 0;
    for (const v of this.list(node, storage)) sum += v.size;
    return sum;
  }

  private nextDiskIndex(node: string, storage: string, vmid: number): number {
    const taken = new Set<number>();
    const re = new RegExp(`(?:vm|base|subvol|basevol)-${vmid}-disk-(\\d+)`);
    for (const v of this.list(node, storage)) {
      const m = re.exec(v.volid);
      if (m) taken.add(Number(m[1]));
    }
    let n = 0;
    while (taken.has(n)) n++;
    return n;
  }

  /** Allocates a new image (QEMU disk or LXC mount point) with `get_next_vm_diskname` naming. */
  allocImage(
    node: string,
    storage: string,
    vmid: number,
    size: number,
    kind: 'qemu' | 'lxc',
    now: number,
    format?: string,
  ): Volume {
    const c = this.get(storage);
    const n = this.nextDiskIndex(node, storage, vmid);
    let volname: string;
    let fmt: string;
    if (c.type === 'lvmthin') {
      volname = `vm-${vmid}-disk-${n}`;
      fmt = 'raw';
    } else if (c.type === 'zfspool') {
      fmt = kind === 'lxc' ? 'subvol' : 'raw';
      volname = `${kind === 'lxc' ? 'subvol' : 'vm'}-${vmid}-disk-${n}`;
    } else {
      fmt = kind === 'lxc' ? 'raw' : (format ?? c.format ?? 'raw');
      volname = `${vmid}/vm-${vmid}-disk-${n}.${fmt}`;
    }
    const volume: Volume = { volid: `${storage}:${volname}`, content: 'images', format: fmt, size, vmid, ctime: now };
    if (kind === 'lxc') volume.content = 'rootdir';
    this.add(node, volume);
    return volume;
  }

  /** The QEMU cloud-init drive: `vm-<id>-cloudinit`, `.qcow2` on file storages (§6.3). */
  allocCloudinit(node: string, storage: string, vmid: number, now: number): Volume {
    const c = this.get(storage);
    const file = c.type === 'dir' || c.type === 'nfs';
    const volname = file ? `${vmid}/vm-${vmid}-cloudinit.qcow2` : `vm-${vmid}-cloudinit`;
    const volume: Volume = {
      volid: `${storage}:${volname}`,
      content: 'images',
      format: file ? 'qcow2' : 'raw',
      size: 4 * 1024 * 1024,
      vmid,
      ctime: now,
    };
    this.add(node, volume);
    return volume;
  }

  /** Template conversion renames `vm-`/`subvol-` volumes to `base-`/`basevol-` (§6.2). */
  renameToBase(node: string, volid: string): string {
    const vol = this.find(node, volid);
    if (!vol) return volid;
    const renamed = volid
      .replace(/(^|[/:])vm-(\d+)-disk/, '$1base-$2-disk')
      .replace(/(^|[/:])subvol-(\d+)-disk/, '$1basevol-$2-disk');
    this.free(node, volid);
    this.add(node, { ...vol, volid: renamed });
    return renamed;
  }

  /** Linked clone of a base volume, named as spec §6.2 lists per storage type. */
  linkedClone(node: string, baseVolid: string, newid: number, kind: 'qemu' | 'lxc', now: number): Volume {
    const base = this.find(node, baseVolid);
    const { storage, volname } = parseVolid(baseVolid);
    const c = this.get(storage);
    const n = this.nextDiskIndex(node, storage, newid);
    let name: string;
    if (c.type === 'lvmthin') name = `vm-${newid}-disk-${n}`;
    else if (c.type === 'zfspool') name = `${volname}/${kind === 'lxc' ? 'subvol' : 'vm'}-${newid}-disk-${n}`;
    else name = `${volname}/${newid}/vm-${newid}-disk-${n}.${base?.format ?? 'qcow2'}`;
    const volume: Volume = {
      volid: `${storage}:${name}`,
      content: kind === 'lxc' ? 'rootdir' : 'images',
      format: base?.format ?? 'raw',
      size: base?.size ?? 0,
      vmid: newid,
      ctime: now,
      parent: volname,
    };
    this.add(node, volume);
    return volume;
  }

  /**
   * `volume_has_feature(clone)`: base volumes (templates) on any of our storage types, or a
   * snapshot on lvmthin/zfspool; a plain volume cannot be linked-cloned.
   */
  canLinkClone(volid: string, fromSnapshot: boolean): boolean {
    const { storage, volname } = parseVolid(volid);
    const c = this.configs.get(storage);
    if (!c) return false;
    if (/(^|\/)(base|basevol)-\d+-/.test(volname)) return true;
    return fromSnapshot && (c.type === 'lvmthin' || c.type === 'zfspool');
  }

  /** Snapshots need lvmthin, zfspool or qcow2 files (§6.2). */
  canSnapshot(node: string, volid: string): boolean {
    const { storage } = parseVolid(volid);
    const c = this.configs.get(storage);
    if (!c) return false;
    if (c.type === 'lvmthin' || c.type === 'zfspool') return true;
    return this.find(node, volid)?.format === 'qcow2';
  }

  /** Image volumes carrying this vmid (for `destroy-unreferenced-disks`). */
  volumesOf(node: string, vmid: number): Volume[] {
    const out: Volume[] = [];
    for (const c of this.configs.values()) {
      if (!this.availableOn(c, node)) continue;
      for (const v of this.list(node, c.storage)) if (v.vmid === vmid && v.content !== 'backup') out.push(v);
    }
    return out;
  }

  toJSON(): { configs: StorageConfig[]; volumes: [string, Volume[]][] } {
    return {
      configs: [...this.configs.values()],
      volumes: [...this.volumes.entries()].map(([k, m]) => [k, [...m.values()]]),
    };
  }

  restore(data: { configs: StorageConfig[]; volumes: [string, Volume[]][] }): void {
    this.configs.clear();
    for (const c of data.configs) this.configs.set(c.storage, c);
    this.volumes.clear();
    for (const [k, vols] of data.volumes) this.volumes.set(k, new Map(vols.map((v) => [v.volid, v])));
  }
}
