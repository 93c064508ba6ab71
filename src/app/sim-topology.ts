/**
 * The built-in simulator mirrors the config's own cluster: its nodes (with their declared
 * capacity) and its storages, so `phoenix up` runs the declared topology as written.
 */
import type { PhoenixConfig } from '../config/schema.ts';
import type { StorageConfig } from '../sim/state/index.ts';

const GiB = 1024 ** 3;

export interface SimTopology {
  nodes: { name: string; cores: number; memoryMiB: number }[];
  /** The simulator's own storage.cfg entry type, so the two cannot drift apart. */
  storages: StorageConfig[];
}

export function simTopology(config: PhoenixConfig): SimTopology {
  const nodes = config.cluster.nodes.map((n) => ({ name: n.name, cores: n.cores ?? 16, memoryMiB: n.memory ?? 65536 }));
  if (nodes.length === 0) nodes.push({ name: 'pve', cores: 16, memoryMiB: 65536 });
  const storages: SimTopology['storages'] = config.storage.map((s) => ({
    storage: s.id,
    type: s.type,
    content: [...s.content],
    ...(s.type === 'dir' ? { path: s.path } : {}),
    ...(s.type === 'zfspool' ? { pool: s.pool } : {}),
    ...(s.type === 'lvmthin' ? { vgname: s.vgname, thinpool: s.thinpool } : {}),
    ...(s.type === 'nfs' ? { server: s.server, export: s.export } : {}),
    ...(s.shared || s.type === 'nfs' ? { shared: 1 } : {}),
    ...(s.nodes ? { nodes: s.nodes } : {}),
    capacity: 2048 * GiB,
  }));
  if (!storages.some((s) => s.content.includes('vztmpl'))) {
    storages.unshift({
      storage: 'local',
      type: 'dir',
      path: '/var/lib/vz',
      content: ['iso', 'vztmpl', 'backup', 'import'],
      capacity: 200 * GiB,
    });
  }
  if (!storages.some((s) => s.content.includes('rootdir'))) {
    storages.push({
      storage: 'local-lvm',
      type: 'lvmthin',
      vgname: 'pve',
      thinpool: 'data',
      content: ['rootdir', 'images'],
      capacity: 2048 * GiB,
    });
  }
  return { nodes, storages };
}
