/**
 * Node network interfaces. Changes are staged in `interfaces.new` until `apply` (a `srvreload`
 * task) or discarded by `revert`.
 */
import { apiPath } from '../encode.ts';
import { z } from 'zod';
import { NetworkInterfaceSchema, requestParsed } from '../responses.ts';
import type { Params, ProxmoxTransport } from '../types.ts';

export interface NetworkInterface {
  iface: string;
  type:
    | 'bridge'
    | 'bond'
    | 'eth'
    | 'alias'
    | 'vlan'
    | 'OVSBridge'
    | 'OVSBond'
    | 'OVSPort'
    | 'OVSIntPort'
    | 'unknown'
    | string;
  active?: number;
  autostart?: number;
  cidr?: string;
  gateway?: string;
  bridge_ports?: string;
  bridge_vlan_aware?: number;
  comments?: string;
  [key: string]: unknown;
}

export interface NetworkApi {
  list(node: string, type?: string): Promise<NetworkInterface[]>;
  get(node: string, iface: string): Promise<NetworkInterface>;
  /** Stages a new interface (`iface` and `type` required). */
  create(node: string, params: Params & { iface: string; type: string }): Promise<null>;
  update(node: string, iface: string, params: Params & { type: string }): Promise<null>;
  remove(node: string, iface: string): Promise<null>;
  /** Applies staged changes; returns the `srvreload` task UPID. */
  apply(node: string): Promise<string>;
  revert(node: string): Promise<null>;
}

export function networkApi(t: ProxmoxTransport): NetworkApi {
  return {
    list: (node, type) =>
      requestParsed(t, z.array(NetworkInterfaceSchema), 'GET', apiPath`/nodes/${node}/network`, { type }),
    get: (node, iface) => t.request('GET', apiPath`/nodes/${node}/network/${iface}`),
    create: (node, params) => t.request('POST', apiPath`/nodes/${node}/network`, params),
    update: (node, iface, params) => t.request('PUT', apiPath`/nodes/${node}/network/${iface}`, params),
    remove: (node, iface) => t.request('DELETE', apiPath`/nodes/${node}/network/${iface}`),
    // Reloading the staged file again is harmless.
    apply: (node) => t.request('PUT', apiPath`/nodes/${node}/network`),
    revert: (node) => t.request('DELETE', apiPath`/nodes/${node}/network`),
  };
}
