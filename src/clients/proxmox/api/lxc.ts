/** LXC containers: the shared guest calls plus container-only ones. */
import { apiPath } from '../encode.ts';
import type { ProxmoxTransport } from '../types.ts';
import { guestApi, type GuestApi } from './guest.ts';

export interface LxcInterface {
  name: string;
  hwaddr?: string;
  inet?: string;
  inet6?: string;
}

export interface LxcApi extends GuestApi {
  /** Addresses as seen inside the running container. */
  interfaces(node: string, vmid: number): Promise<LxcInterface[]>;
}

export function lxcApi(t: ProxmoxTransport): LxcApi {
  return {
    ...guestApi(t, 'lxc'),
    interfaces: (node, vmid) => t.request('GET', apiPath`/nodes/${node}/lxc/${vmid}/interfaces`),
  };
}
