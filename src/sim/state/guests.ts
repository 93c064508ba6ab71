/**
 * Guests (QEMU VMs and LXC containers) as the model stores them: the config as PVE's config
 * file would hold it (canonical property strings, numbers for integer/boolean keys), QEMU
 * pending changes, snapshots, run state and the simulated OS inside.
 */
import { createHash } from 'node:crypto';
import { SimApiError } from '../contract.ts';
import type { GuestOsState } from '../guests/guest-os.ts';

export type GuestType = 'qemu' | 'lxc';
export type ConfigValue = string | number;
export type GuestConfig = Record<string, ConfigValue>;

export interface Snapshot {
  name: string;
  snaptime: number;
  description?: string;
  parent?: string;
  vmstate?: number;
  config: GuestConfig;
}

export interface Guest {
  vmid: number;
  type: GuestType;
  node: string;
  config: GuestConfig;
  /** QEMU `[PENDING]` section: values set while running that need a restart. */
  pending: GuestConfig;
  pendingDelete: string[];
  snapshots: Record<string, Snapshot>;
  status: 'running' | 'stopped';
  /** Epoch ms of the last start; drives uptime and guest-agent readiness. */
  startedAt?: number;
  pid?: number;
  /** Cloud-init values the current cloud-init image was generated with (QEMU). */
  cloudinit?: GuestConfig;
  os: GuestOsState;
}

export function guestWord(type: GuestType): 'VM' | 'CT' {
  return type === 'qemu' ? 'VM' : 'CT';
}

/** `nodes/<node>/qemu-server/<vmid>.conf` or `nodes/<node>/lxc/<vmid>.conf`. */
export function configPath(type: GuestType, node: string, vmid: number): string {
  return `nodes/${node}/${type === 'qemu' ? 'qemu-server' : 'lxc'}/${vmid}.conf`;
}

export function missingConfig(type: GuestType, node: string, vmid: number): SimApiError {
  return new SimApiError(500, `Configuration file '${configPath(type, node, vmid)}' does not exist`);
}

/** `check_lock` (spec §5.1): any config `lock:` blocks the operation. */
export function checkLock(guest: Guest): void {
  const lock = guest.config.lock;
  if (lock !== undefined) throw new SimApiError(500, `${guestWord(guest.type)} is locked (${lock})`);
}

function section(config: GuestConfig): string {
  let out = '';
  const desc = config.description;
  if (typeof desc === 'string') for (const line of desc.split('\n')) out += `#${line}\n`;
  for (const key of Object.keys(config).sort()) {
    if (key === 'description') continue;
    out += `${key}: ${config[key]}\n`;
  }
  return out;
}

/** The config file text PVE would write (keys sorted, pending and snapshot sections). */
export function configText(guest: Guest): string {
  let out = section(guest.config);
  if (Object.keys(guest.pending).length > 0 || guest.pendingDelete.length > 0) {
    out += `\n[PENDING]\n${section(guest.pending)}`;
    if (guest.pendingDelete.length > 0) out += `delete: ${guest.pendingDelete.join(',')}\n`;
  }
  for (const name of Object.keys(guest.snapshots).sort()) {
    const s = guest.snapshots[name] as Snapshot;
    out += `\n[${name}]\n${section({ ...s.config, snaptime: s.snaptime, ...(s.parent ? { parent: s.parent } : {}) })}`;
  }
  return out;
}

/** SHA1 of the raw config file (spec §5.6). */
export function configDigest(guest: Guest): string {
  return createHash('sha1').update(configText(guest)).digest('hex');
}

export const DISK_KEY_RE = /^(scsi|sata|ide|virtio|efidisk|tpmstate)\d+$/;
export const LXC_VOLUME_KEY_RE = /^(rootfs|mp\d+)$/;

/** The config with pending values applied (QEMU `GET …/config` default view). */
export function effectiveConfig(guest: Guest): GuestConfig {
  if (Object.keys(guest.pending).length === 0 && guest.pendingDelete.length === 0) return guest.config;
  const merged: GuestConfig = { ...guest.config, ...guest.pending };
  for (const key of guest.pendingDelete) delete merged[key];
  return merged;
}
