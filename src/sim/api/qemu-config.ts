/**
 * QEMU config updates (spec A.5 PUT/POST config, §5.6, §6.3): `delete=`, `digest`, lock
 * checks, pending changes on a running VM, cloud-init keys (`cipassword` hashed and masked,
 * `sshkeys` kept URL-encoded after validation).
 */
import { createHash } from 'node:crypto';
import { ROOT_ACCESS, SimApiError, type SimAccess } from '../contract.ts';
import { checkBridges, checkQemuDrive, checkQemuKeys, checkQemuStorage } from './guest-perms.ts';
import type { SimContext } from '../state/context.ts';
import { checkLock, DISK_KEY_RE, type Guest, type GuestConfig } from '../state/guests.ts';
import { assertDigest, CONTROL_PARAMS, deleteList, moveToUnused, normalizeQemuValue } from './guest-config.ts';
import { FORMATS, parseProps } from '../state/props.ts';

/** Keys a running VM takes at once; everything else waits in `[PENDING]` until restart. */
const HOT_KEYS =
  /^(name|description|onboot|tags|protection|startup|lock|cicustom|cipassword|citype|ciuser|ciupgrade|nameserver|searchdomain|sshkeys|ipconfig\d+|net\d+|scsi\d+|sata\d+|virtio\d+|ide\d+|unused\d+)$/;

function validateSshKeys(encoded: string): void {
  let decoded: string;
  try {
    decoded = decodeURIComponent(encoded);
  } catch {
    throw new SimApiError(500, 'SSH public key validation error');
  }
  for (const line of decoded.split('\n').map((l) => l.trim())) {
    if (line === '' || line.startsWith('#')) continue;
    if (!/^(ssh-(rsa|ed25519|dss)|ecdsa-sha2-\S+|sk-\S+)\s+[A-Za-z0-9+/=]+/.test(line)) {
      throw new SimApiError(500, 'SSH public key validation error');
    }
  }
}

/** Converts a create/update parameter into the stored value; undefined for call options. */
export function prepareQemuValue(
  ctx: SimContext,
  guest: Guest,
  key: string,
  value: unknown,
): string | number | undefined {
  if (CONTROL_PARAMS.has(key) || value === undefined) return undefined;
  if (key === 'sshkeys') validateSshKeys(String(value));
  if (key === 'cipassword') {
    const text = String(value);
    // Stored as a crypt hash unless it already is one (spec §6.3).
    return /^\$\d\$/.test(text)
      ? text
      : `$5$${ctx.random.hex(8)}$${createHash('sha256').update(text).digest('base64').replace(/=+$/, '')}`;
  }
  return normalizeQemuValue(ctx, guest, key, value) as string | number;
}

export function maskConfig(config: GuestConfig): GuestConfig {
  if (config.cipassword === undefined) return config;
  return { ...config, cipassword: '**********' };
}

/** The sync part of update_vm's privilege checks (before the lock and the worker). */
export function checkQemuUpdate(access: SimAccess, guest: Guest, params: Record<string, unknown>): void {
  const keys = [
    ...deleteList(params.delete),
    ...deleteList(params.revert),
    ...Object.keys(params).filter((k) => !CONTROL_PARAMS.has(k) && params[k] !== undefined),
  ];
  checkQemuKeys(access, guest.vmid, undefined, keys);
  checkQemuStorage(access, guest.vmid, params);
  checkBridges(access, params, false);
}

export function applyQemuUpdate(
  ctx: SimContext,
  guest: Guest,
  params: Record<string, unknown>,
  access: SimAccess = ROOT_ACCESS,
): void {
  if (params.skiplock !== 1) checkLock(guest);
  assertDigest(guest, params.digest);
  const deletes = deleteList(params.delete);
  const reverts = deleteList(params.revert);
  const sets = Object.entries(params).filter(([k, v]) => !CONTROL_PARAMS.has(k) && v !== undefined);
  if (sets.length === 0 && deletes.length === 0 && reverts.length === 0)
    throw new SimApiError(500, 'no options specified');
  for (const key of reverts) {
    delete guest.pending[key];
    guest.pendingDelete = guest.pendingDelete.filter((k) => k !== key);
  }
  const running = guest.status === 'running';
  for (const key of deletes) checkQemuDrive(access, guest.vmid, key, String(guest.config[key] ?? ''));
  for (const [key, value] of sets) checkQemuDrive(access, guest.vmid, key, String(value));
  for (const key of deletes) {
    if (running && !HOT_KEYS.test(key)) {
      if (!guest.pendingDelete.includes(key)) guest.pendingDelete.push(key);
      continue;
    }
    const value = guest.config[key];
    if (DISK_KEY_RE.test(key) && typeof value === 'string') {
      const file = parseProps(value, FORMATS.qemuDisk).file ?? '';
      if (file.includes('-cloudinit')) ctx.storage.free(guest.node, file);
      else if (parseProps(value, FORMATS.qemuDisk).media !== 'cdrom') {
        moveToUnused(guest.config, key, file);
        continue;
      }
    } else if (/^unused\d+$/.test(key) && typeof value === 'string') {
      ctx.storage.free(guest.node, value);
    }
    delete guest.config[key];
  }
  for (const [key, value] of sets) {
    const prepared = prepareQemuValue(ctx, guest, key, value);
    if (prepared === undefined) continue;
    if (running && !HOT_KEYS.test(key)) guest.pending[key] = prepared;
    else guest.config[key] = prepared;
  }
  cleanupPending(guest);
}

/**
 * qemu-server `cleanup_pending`: a pending value equal to the running one, and a pending
 * delete of a key the config does not have, are dropped (`cores: 4 -> 4` is no change).
 */
export function cleanupPending(guest: Guest): void {
  for (const [key, value] of Object.entries(guest.pending)) {
    if (guest.config[key] !== undefined && String(guest.config[key]) === String(value)) delete guest.pending[key];
  }
  guest.pendingDelete = guest.pendingDelete.filter((key) => guest.config[key] !== undefined);
}
