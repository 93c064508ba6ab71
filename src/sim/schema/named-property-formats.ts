/**
 * Property-string formats that the schema only names (`format: "pve-qm-ipconfig"`) instead of
 * inlining their keys. Keys, types and default keys restate the schema's own `typetext` for
 * each parameter (e.g. `[gw=<GatewayIPv4>] [,gw6=<GatewayIPv6>] [,ip=<IPv4Format/CIDR>] ...`);
 * ranges and enums follow qemu-server / pve-guest-common as summarised in the PVE spec.
 */
import type { PropertyFormat } from './types.ts';

const opt = { optional: 1 } as const;
const bool = { type: 'boolean', optional: 1 } as const;
const str = { type: 'string', optional: 1 } as const;
const uint = { type: 'integer', minimum: 0, optional: 1 } as const;
const base64 = { type: 'string', optional: 1, pattern: '[A-Za-z0-9+/]*={0,2}' } as const;

export const NAMED_PROPERTY_FORMATS: Record<string, PropertyFormat> = {
  'pve-qm-ipconfig': {
    gw: { ...opt, type: 'string', format: 'ipv4' },
    gw6: { ...opt, type: 'string', format: 'ipv6' },
    ip: { ...opt, type: 'string', format: 'pve-ipv4-config' },
    ip6: { ...opt, type: 'string', format: 'pve-ipv6-config' },
  },
  'pve-startup-order': {
    order: { type: 'integer', minimum: 0, optional: 1, default_key: 1 },
    up: uint,
    down: uint,
  },
  'pve-qm-cicustom': {
    meta: { ...opt, type: 'string', format: 'pve-volume-id' },
    network: { ...opt, type: 'string', format: 'pve-volume-id' },
    user: { ...opt, type: 'string', format: 'pve-volume-id' },
    vendor: { ...opt, type: 'string', format: 'pve-volume-id' },
  },
  'pve-vm-cpu-conf': {
    cputype: { type: 'string', optional: 1, default_key: 1, default: 'kvm64', pattern: '[A-Za-z0-9_.+\\-]+' },
    flags: { ...opt, type: 'string', pattern: '(?:[+-][a-zA-Z0-9\\-_.]+)(?:;[+-][a-zA-Z0-9\\-_.]+)*' },
    hidden: bool,
    'hv-vendor-id': { ...opt, type: 'string', pattern: '[a-zA-Z0-9]{1,12}' },
    'phys-bits': { ...opt, type: 'string', pattern: '(?:[89]|[1-5][0-9]|6[0-4]|host)' },
    'reported-model': str,
  },
  'pve-qm-boot': {
    legacy: { type: 'string', optional: 1, default_key: 1, pattern: '[acdn]{1,4}' },
    order: { ...opt, type: 'string', pattern: '[a-z]+\\d+(?:;[a-z]+\\d+)*' },
  },
  'pve-qm-smbios1': {
    base64: bool,
    family: base64,
    manufacturer: base64,
    product: base64,
    serial: base64,
    sku: base64,
    uuid: { ...opt, type: 'string', pattern: '[a-fA-F0-9]{8}(?:-[a-fA-F0-9]{4}){3}-[a-fA-F0-9]{12}' },
    version: base64,
  },
  'pve-qm-watchdog': {
    model: { type: 'string', optional: 1, default_key: 1, enum: ['i6300esb', 'ib700'], default: 'i6300esb' },
    action: { ...opt, type: 'string', enum: ['reset', 'shutdown', 'poweroff', 'pause', 'debug', 'none'] },
  },
  'pve-qm-rng': {
    source: { type: 'string', default_key: 1, enum: ['/dev/urandom', '/dev/random', '/dev/hwrng'] },
    max_bytes: { type: 'integer', optional: 1, default: 1024 },
    period: { type: 'integer', optional: 1, default: 1000 },
  },
  'pve-qemu-sev-fmt': {
    type: { type: 'string', default_key: 1, enum: ['std', 'es', 'snp'] },
    'allow-smt': bool,
    'kernel-hashes': bool,
    'no-debug': bool,
    'no-key-sharing': bool,
  },
  'pve-qm-hostpci': {
    host: { type: 'string', optional: 1, default_key: 1 },
    'device-id': str,
    'legacy-igd': bool,
    mapping: str,
    mdev: str,
    pcie: bool,
    rombar: bool,
    romfile: str,
    'sub-device-id': str,
    'sub-vendor-id': str,
    'vendor-id': str,
    'x-vga': bool,
  },
  'prune-backups': {
    'keep-all': bool,
    'keep-daily': uint,
    'keep-hourly': uint,
    'keep-last': uint,
    'keep-monthly': uint,
    'keep-weekly': uint,
    'keep-yearly': uint,
  },
  'backup-fleecing': {
    enabled: { type: 'boolean', optional: 1, default_key: 1, default: 0 },
    storage: { ...opt, type: 'string', format: 'pve-storage-id' },
  },
  'backup-performance': {
    'max-workers': { type: 'integer', optional: 1, minimum: 1, maximum: 256 },
    'pbs-entries-max': { type: 'integer', optional: 1, minimum: 1 },
  },
};
