/**
 * `createProxmoxClient()`: the transport plus one typed helper object per API area. The area
 * helpers are built on the `ProxmoxTransport` interface only, so `clientOver()` gives the same
 * surface over any transport (e.g. an in-process simulator or a fake in tests).
 */
import { accessApi, type AccessApi } from './api/access.ts';
import { clusterApi, type ClusterApi } from './api/cluster.ts';
import { firewallApi, type FirewallApi } from './api/firewall.ts';
import { haApi, type HaApi } from './api/ha.ts';
import { lxcApi, type LxcApi } from './api/lxc.ts';
import { networkApi, type NetworkApi } from './api/network.ts';
import { qemuApi, type QemuApi } from './api/qemu.ts';
import { storageApi, type StorageApi } from './api/storage.ts';
import { TaskTimes } from './task-times.ts';
import { waitForTask, type TaskClock, type WaitForTaskOptions } from './tasks.ts';
import { HttpTransport, type TransportOptions } from './transport.ts';
import type { ProxmoxTransport, TaskStatus } from './types.ts';

export type ProxmoxClientOptions = TransportOptions & {
  /** Expected task durations for polling (default: seeded, learned in memory). */
  taskTimes?: TaskTimes;
};

export interface ProxmoxClient {
  readonly transport: ProxmoxTransport;
  readonly cluster: ClusterApi;
  readonly lxc: LxcApi;
  readonly qemu: QemuApi;
  readonly storage: StorageApi;
  readonly network: NetworkApi;
  readonly firewall: FirewallApi;
  /** HA groups and resources (`/cluster/ha`). */
  readonly ha: HaApi;
  /** Pools, users, roles, ACLs, tokens. */
  readonly access: AccessApi;
  request: ProxmoxTransport['request'];
  /** Polls the task until it stops; throws ProxmoxTaskError (with the log tail) unless it ended OK. */
  waitForTask(node: string, upid: string, options?: WaitForTaskOptions): Promise<TaskStatus>;
  /** Expected task durations, learned from the tasks waited for. */
  readonly taskTimes: TaskTimes;
  /** Closes pooled connections. */
  close(): Promise<void>;
}

export function clientOver(
  transport: ProxmoxTransport,
  clock: TaskClock,
  close: () => Promise<void> = async () => {},
  taskTimes: TaskTimes = new TaskTimes(),
): ProxmoxClient {
  return {
    taskTimes,
    transport,
    cluster: clusterApi(transport),
    lxc: lxcApi(transport),
    qemu: qemuApi(transport),
    storage: storageApi(transport),
    network: networkApi(transport),
    firewall: firewallApi(transport),
    ha: haApi(transport),
    access: accessApi(transport),
    request: (method, path, params, options) => transport.request(method, path, params, options),
    waitForTask: (node, upid, options) => waitForTask(transport, clock, node, upid, { times: taskTimes, ...options }),
    close,
  };
}

/** A client for one PVE endpoint; see `TransportOptions` for trust, pool, timeout and retry settings. */
export function createProxmoxClient(options: ProxmoxClientOptions): ProxmoxClient {
  const transport = new HttpTransport(options);
  const clock: TaskClock = {
    sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    now: options.now ?? Date.now,
  };
  return clientOver(transport, clock, () => transport.close(), options.taskTimes);
}
