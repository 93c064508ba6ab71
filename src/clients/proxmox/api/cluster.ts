/** Version, cluster-wide reads, nodes and tasks. */
import { apiPath } from '../encode.ts';
import { z } from 'zod';
import {
  ClusterResourceSchema,
  NodeInfoSchema,
  requestParsed,
  TaskStatusSchema,
  VersionInfoSchema,
} from '../responses.ts';
import type { ProxmoxTransport, TaskStatus } from '../types.ts';

export interface VersionInfo {
  version: string;
  release: string;
  repoid: string;
}

/** One row of `/cluster/resources`; only the fields Phoenix reads are typed. */
export interface ClusterResource {
  id: string;
  type: 'qemu' | 'lxc' | 'node' | 'storage' | 'pool' | 'sdn' | string;
  node?: string;
  vmid?: number;
  name?: string;
  status?: string;
  template?: number;
  tags?: string;
  lock?: string;
  pool?: string;
  storage?: string;
  maxmem?: number;
  maxdisk?: number;
  disk?: number;
  [key: string]: unknown;
}

export interface NodeInfo {
  node: string;
  status: 'online' | 'offline' | 'unknown';
  [key: string]: unknown;
}

export interface ClusterApi {
  version(): Promise<VersionInfo>;
  resources(type?: 'vm' | 'storage' | 'node' | 'sdn'): Promise<ClusterResource[]>;
  /** Advisory only (spec §5.2): the id is not reserved; a create can still collide. */
  nextId(vmid?: number): Promise<number>;
  nodes(): Promise<NodeInfo[]>;
  nodeStatus(node: string): Promise<Record<string, unknown>>;
  tasks(
    node: string,
    filter?: { vmid?: number; typefilter?: string; source?: 'active' | 'archive' | 'all'; limit?: number },
  ): Promise<TaskStatus[]>;
  taskStatus(node: string, upid: string): Promise<TaskStatus>;
  taskLog(node: string, upid: string, start?: number, limit?: number): Promise<{ n: number; t: string }[]>;
  stopTask(node: string, upid: string): Promise<void>;
}

export function clusterApi(t: ProxmoxTransport): ClusterApi {
  return {
    version: () => requestParsed(t, VersionInfoSchema, 'GET', '/version'),
    resources: (type) => requestParsed(t, z.array(ClusterResourceSchema), 'GET', '/cluster/resources', { type }),
    nextId: async (vmid) => Number(await t.request<string | number>('GET', '/cluster/nextid', { vmid })),
    nodes: () => requestParsed(t, z.array(NodeInfoSchema), 'GET', '/nodes'),
    nodeStatus: (node) => t.request('GET', apiPath`/nodes/${node}/status`),
    tasks: (node, filter) => t.request('GET', apiPath`/nodes/${node}/tasks`, { ...filter }),
    taskStatus: (node, upid) => requestParsed(t, TaskStatusSchema, 'GET', apiPath`/nodes/${node}/tasks/${upid}/status`),
    taskLog: (node, upid, start = 0, limit = 500) =>
      t.request('GET', apiPath`/nodes/${node}/tasks/${upid}/log`, { start, limit }),
    stopTask: (node, upid) => t.request('DELETE', apiPath`/nodes/${node}/tasks/${upid}`),
  };
}
