/**
 * What LXC containers and QEMU VMs share: the same endpoints under `/nodes/{node}/{lxc|qemu}`.
 * Calls that start a task return its UPID; the caller waits with `waitForTask`.
 */
import { apiPath } from '../encode.ts';
import { z } from 'zod';
import { GuestConfigSchema, GuestStatusSchema, PendingEntrySchema, requestParsed } from '../responses.ts';
import type { Params, ProxmoxTransport, RequestOptions } from '../types.ts';

export type GuestKind = 'lxc' | 'qemu';

export interface GuestListEntry {
  vmid: number | string;
  name?: string;
  status: string;
  template?: number;
  tags?: string;
  lock?: string;
  [key: string]: unknown;
}

/** A guest config as GET returns it: property strings stay raw strings (compare parsed values). */
export type GuestConfig = Record<string, string | number | undefined> & { digest?: string; lock?: string };

export interface GuestStatus {
  vmid: number | string;
  status: 'running' | 'stopped' | string;
  lock?: string;
  template?: number;
  [key: string]: unknown;
}

export interface Snapshot {
  name: string;
  description?: string;
  snaptime?: number;
  parent?: string;
}

/** A task id string as returned by async calls; parse it with `parseUpid`. */
export type UpidString = string;

/** One row of `GET …/pending`: the current value, and the value or deletion waiting for a restart. */
export interface PendingEntry {
  key: string;
  value?: unknown;
  pending?: unknown;
  delete?: number;
}

export interface GuestApi {
  list(node: string): Promise<GuestListEntry[]>;
  /** POST create: never retried blindly (the provider checks existence first). */
  create(node: string, params: Params, options?: RequestOptions): Promise<UpidString>;
  config(node: string, vmid: number, options?: { current?: boolean; snapshot?: string }): Promise<GuestConfig>;
  /** Synchronous config update (PUT). `delete` lists keys to remove; pass `digest` to guard against races. */
  updateConfig(node: string, vmid: number, params: Params): Promise<null>;
  clone(node: string, vmid: number, params: Params & { newid: number }, options?: RequestOptions): Promise<UpidString>;
  /** Grow a disk: `size` like `+2G` or `16G`. LXC returns a UPID, QEMU null or a UPID. */
  resize(node: string, vmid: number, disk: string, size: string): Promise<UpidString | null>;
  /** Convert to template. LXC returns null (no task UPID, spec §4.4). */
  template(node: string, vmid: number): Promise<UpidString | null>;
  status(node: string, vmid: number): Promise<GuestStatus>;
  start(node: string, vmid: number): Promise<UpidString>;
  stop(node: string, vmid: number): Promise<UpidString>;
  shutdown(node: string, vmid: number, timeoutSeconds?: number, forceStop?: boolean): Promise<UpidString>;
  /** The config with its pending changes: rows with `pending` or `delete` wait for a restart. */
  pending(node: string, vmid: number): Promise<PendingEntry[]>;
  reboot(node: string, vmid: number): Promise<UpidString>;
  destroy(node: string, vmid: number, params?: Params): Promise<UpidString>;
  snapshots(node: string, vmid: number): Promise<Snapshot[]>;
  snapshot(node: string, vmid: number, snapname: string, description?: string): Promise<UpidString>;
  deleteSnapshot(node: string, vmid: number, snapname: string): Promise<UpidString>;
  rollback(node: string, vmid: number, snapname: string): Promise<UpidString>;
}

export function guestApi(t: ProxmoxTransport, kind: GuestKind): GuestApi {
  const base = (node: string, vmid: number) => apiPath`/nodes/${node}/${kind}/${vmid}`;
  return {
    list: (node) => t.request('GET', apiPath`/nodes/${node}/${kind}`),
    create: (node, params, options) => t.request('POST', apiPath`/nodes/${node}/${kind}`, params, options),
    config: (node, vmid, options) =>
      requestParsed(t, GuestConfigSchema, 'GET', `${base(node, vmid)}/config`, {
        current: options?.current,
        snapshot: options?.snapshot,
      }),
    updateConfig: (node, vmid, params) => t.request('PUT', `${base(node, vmid)}/config`, params),
    clone: (node, vmid, params, options) => t.request('POST', `${base(node, vmid)}/clone`, params, options),
    resize: (node, vmid, disk, size) => t.request('PUT', `${base(node, vmid)}/resize`, { disk, size }),
    // Converting twice is harmless ("already a template" is an error, not a duplicate).
    template: (node, vmid) => t.request('POST', `${base(node, vmid)}/template`, undefined, { retryUnsafe: true }),
    status: (node, vmid) => requestParsed(t, GuestStatusSchema, 'GET', `${base(node, vmid)}/status/current`),
    start: (node, vmid) => t.request('POST', `${base(node, vmid)}/status/start`),
    stop: (node, vmid) => t.request('POST', `${base(node, vmid)}/status/stop`),
    shutdown: (node, vmid, timeout, forceStop) =>
      t.request('POST', `${base(node, vmid)}/status/shutdown`, { timeout, forceStop }),
    reboot: (node, vmid) => t.request('POST', `${base(node, vmid)}/status/reboot`),
    pending: (node, vmid) => requestParsed(t, z.array(PendingEntrySchema), 'GET', `${base(node, vmid)}/pending`),
    destroy: (node, vmid, params) => t.request('DELETE', base(node, vmid), params),
    snapshots: (node, vmid) => t.request('GET', `${base(node, vmid)}/snapshot`),
    snapshot: (node, vmid, snapname, description) =>
      t.request('POST', `${base(node, vmid)}/snapshot`, { snapname, description }),
    deleteSnapshot: (node, vmid, snapname) =>
      t.request('DELETE', `${base(node, vmid)}/snapshot/${encodeURIComponent(snapname)}`),
    rollback: (node, vmid, snapname) =>
      t.request('POST', `${base(node, vmid)}/snapshot/${encodeURIComponent(snapname)}/rollback`),
  };
}
