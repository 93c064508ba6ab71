/** QEMU VMs: the shared guest calls plus async config, cloud-init and the guest agent. */
import { apiPath } from '../encode.ts';
import type { Params, ProxmoxTransport } from '../types.ts';
import { guestApi, type GuestApi } from './guest.ts';

export interface CloudInitEntry {
  key: string;
  value?: string;
  pending?: string;
  delete?: number;
}

export interface AgentExecStatus {
  exited: number;
  exitcode?: number;
  'out-data'?: string;
  'err-data'?: string;
  signal?: number;
}

export interface AgentInterface {
  name: string;
  'hardware-address'?: string;
  'ip-addresses'?: { 'ip-address': string; 'ip-address-type': 'ipv4' | 'ipv6'; prefix: number }[];
}

export interface QemuApi extends GuestApi {
  /** Asynchronous config update (POST): returns a UPID of a `qmconfig` task, or null if done in `background_delay`. */
  updateConfigAsync(node: string, vmid: number, params: Params): Promise<string | null>;
  cloudinitPending(node: string, vmid: number): Promise<CloudInitEntry[]>;
  /** Regenerate the cloud-init drive so pending ci* values take effect at the next boot. */
  regenerateCloudinit(node: string, vmid: number): Promise<null>;
  agentPing(node: string, vmid: number): Promise<unknown>;
  agentExec(node: string, vmid: number, command: readonly string[], inputData?: string): Promise<{ pid: number }>;
  agentExecStatus(node: string, vmid: number, pid: number): Promise<AgentExecStatus>;
  agentFileWrite(node: string, vmid: number, file: string, content: string): Promise<null>;
  /** A read (GET): observing a file in a VM sends no mutating request. */
  agentFileRead(node: string, vmid: number, file: string): Promise<{ content: string; truncated?: unknown }>;
  agentNetworkInterfaces(node: string, vmid: number): Promise<{ result: AgentInterface[] }>;
}

export function qemuApi(t: ProxmoxTransport): QemuApi {
  const base = (node: string, vmid: number) => apiPath`/nodes/${node}/qemu/${vmid}`;
  return {
    ...guestApi(t, 'qemu'),
    // Declarative config: sending the same values twice converges, so a retry is harmless.
    updateConfigAsync: (node, vmid, params) =>
      t.request('POST', `${base(node, vmid)}/config`, params, { retryUnsafe: true }),
    cloudinitPending: (node, vmid) => t.request('GET', `${base(node, vmid)}/cloudinit`),
    regenerateCloudinit: (node, vmid) => t.request('PUT', `${base(node, vmid)}/cloudinit`),
    agentPing: (node, vmid) => t.request('POST', `${base(node, vmid)}/agent/ping`, undefined, { retryUnsafe: true }),
    agentExec: (node, vmid, command, inputData) =>
      t.request('POST', `${base(node, vmid)}/agent/exec`, { command: [...command], 'input-data': inputData }),
    agentExecStatus: (node, vmid, pid) => t.request('GET', `${base(node, vmid)}/agent/exec-status`, { pid }),
    agentFileWrite: (node, vmid, file, content) =>
      t.request('POST', `${base(node, vmid)}/agent/file-write`, { file, content }, { retryUnsafe: true }),
    agentFileRead: (node, vmid, file) => t.request('GET', `${base(node, vmid)}/agent/file-read`, { file }),
    agentNetworkInterfaces: (node, vmid) => t.request('GET', `${base(node, vmid)}/agent/network-get-interfaces`),
  };
}
