/**
 * `phoenix import <vmid>`: adopt an existing guest. Reads it once and writes a guest YAML file
 * into the config from what PVE reports; the adoption is recorded in the state file so the
 * next apply may add the ownership tag (an untagged guest is otherwise never touched).
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { stringify } from 'yaml';
import { loadConfig } from '../config/index.ts';
import { CliError } from '../errors.ts';
import { deriveResources } from '../providers/proxmox/derive.ts';
import { diffGuest, type ObservedGuest } from '../providers/proxmox/diff.ts';
import { parseConfigValue, vmBootDiskKey } from '../providers/proxmox/attributes.ts';
import { guestTypeOf, readGuest } from '../providers/proxmox/observe.ts';
import { decodeSshKeys, parseSize, parseTags } from '../providers/proxmox/property-string.ts';
import { MANAGED_TAG } from '../providers/proxmox/spec.ts';
import { IMPORT_EVENT, type Phoenix } from './create-phoenix.ts';

export async function importGuest(
  phoenix: Phoenix,
  vmid: number,
  outFile?: string,
): Promise<{ file: string; yaml: string; notes: string[] }> {
  if (phoenix.derived.guests.some((g) => g.desired.vmid === vmid)) {
    throw new CliError(`guest ${vmid} is already in the config`, { code: 'E_IMPORT_EXISTS' });
  }
  const rows = await phoenix.client.cluster.resources('vm');
  const row = rows.find((r) => Number(r.vmid) === vmid && guestTypeOf(r));
  const type = row ? guestTypeOf(row) : undefined;
  if (!row || !type || !row.node) {
    throw new CliError(`no guest ${vmid} in the cluster`, {
      code: 'E_IMPORT_MISSING',
      hint: 'check the id with `phoenix status` or the Proxmox UI',
    });
  }
  const observed = await readGuest(phoenix.client, { vmid, node: row.node, type, status: row.status }, undefined);
  if (!observed) throw new CliError(`guest ${vmid} disappeared while reading it`, { code: 'E_IMPORT_MISSING' });
  const guest = guestYaml(vmid, type, row.node, observed.config);
  // The schema wants a source; an existing guest is never re-created from it, so any template of
  // the right kind will do (the user may correct it).
  const tmpl = phoenix.loaded.config.templates.find((t) => t.kind === type);
  delete guest.clone;
  if (tmpl) guest.template = tmpl.name;
  // The storages the guest's disks live on must be declared for the file to validate: PVE's
  // own definitions, written as they are (declaring a storage never changes or removes it).
  const storage = await undeclaredStorages(phoenix, storagesOf(observed.config));
  const yaml =
    `# yaml-language-server: $schema=${relative(join(phoenix.configDir, 'guests'), join(phoenix.configDir, '..', '..', 'schema', 'phoenix.schema.json'))}\n` +
    `# Imported from Proxmox guest ${vmid} on ${row.node}. Review, then run \`phoenix plan\`:\n` +
    `# the next apply adds the ownership tag (${MANAGED_TAG}) and changes nothing else that matches.\n` +
    `# inheritDefaults: false — the values below are the guest's own, not those of defaults.${type}.\n` +
    stringify({ ...(storage.length > 0 ? { storage } : {}), guests: [guest] });
  const file = outFile ?? join(phoenix.configDir, 'guests', `imported-${vmid}.yaml`);
  if (existsSync(file))
    throw new CliError(`${file} already exists`, {
      code: 'E_IMPORT_EXISTS',
      hint: 'pass --out with another file name',
    });
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, yaml);
  let notes: string[];
  try {
    notes = await verifyImport(phoenix, vmid, observed);
  } catch (error) {
    // A file that breaks the config is worse than none: take it back and say why.
    rmSync(file, { force: true });
    throw error;
  }
  phoenix.state().events.add({
    type: IMPORT_EVENT,
    address: `guest.${vmid}`,
    message: `guest ${vmid} imported into ${file}`,
    data: { vmid },
  });
  return { file, yaml, notes };
}

/**
 * Loads the config with the new file as `plan` will and diffs the imported guest against what
 * was read: the file must validate, and whatever the next plan would change besides the
 * ownership tag is returned as notes (e.g. a stopped guest is started: declared guests run).
 */
async function verifyImport(phoenix: Phoenix, vmid: number, observed: ObservedGuest): Promise<string[]> {
  const loaded = await loadConfig(phoenix.configDir);
  const spec = deriveResources(loaded.config).guests.find((g) => g.desired.vmid === vmid)?.desired;
  if (!spec) return [];
  return diffGuest(spec, observed)
    .changes.filter((c) => c.path !== 'tags')
    .map((c) => `${c.path}: ${c.before ?? '(unset)'} → ${c.after ?? '(unset)'}`);
}

/** Storage ids of the guest's disks (rootfs, mount points, VM disks), in config order. */
function storagesOf(config: Record<string, unknown>): string[] {
  const ids = new Set<string>();
  for (const [key, raw] of Object.entries(config)) {
    if (typeof raw !== 'string' || !/^(rootfs|mp\d+|(scsi|virtio|sata|ide|efidisk|tpmstate)\d+)$/.test(key)) continue;
    const d = parseConfigValue(key, raw);
    if (d.media === 'cdrom') continue;
    const volume = d.volume ?? d.file ?? '';
    const colon = volume.indexOf(':');
    if (colon > 0 && !volume.startsWith('/')) ids.add(volume.slice(0, colon));
  }
  return [...ids];
}

/** PVE's definitions of the storages the config does not declare, in the config's form. */
async function undeclaredStorages(phoenix: Phoenix, ids: string[]): Promise<Record<string, unknown>[]> {
  const declared = new Set(phoenix.loaded.config.storage.map((s) => s.id));
  const missing = ids.filter((id) => !declared.has(id));
  if (missing.length === 0) return [];
  const rows = await phoenix.client.request<Record<string, unknown>[]>('GET', '/storage');
  return missing.map((id) => {
    const row = rows.find((r) => r.storage === id);
    const type = String(row?.type ?? '');
    const identity: Record<string, string[]> = {
      dir: ['path'],
      zfspool: ['pool'],
      nfs: ['server', 'export'],
      lvmthin: ['vgname', 'thinpool'],
    };
    const keys = identity[type];
    if (!row || !keys) {
      throw new CliError(`the guest's storage "${id}" (${type || 'not found'}) cannot be declared in the config`, {
        code: 'E_IMPORT_STORAGE',
        hint: "supported storage types: dir, zfspool, nfs, lvmthin; move the guest's disks to one of those first",
      });
    }
    const out: Record<string, unknown> = { id, type };
    for (const key of keys) out[key] = row[key];
    out.content = String(row.content ?? '')
      .split(/[,;\s]+/)
      .filter(Boolean)
      .sort();
    if (typeof row.nodes === 'string' && row.nodes) out.nodes = row.nodes.split(/[,;\s]+/).filter(Boolean);
    if (type === 'dir' && Number(row.shared ?? 0) === 1) out.shared = true;
    return out;
  });
}

function num(v: unknown): number | undefined {
  return v === undefined || v === null || v === ''
    ? undefined
    : Number(
        String(v)
          .split(',')[0]
          ?.replace(/^current=/, ''),
      );
}

function guestYaml(
  vmid: number,
  type: 'lxc' | 'vm',
  node: string,
  config: Record<string, unknown>,
): Record<string, unknown> {
  const name = String(config.hostname ?? config.name ?? `guest-${vmid}`);
  const out: Record<string, unknown> = { id: vmid, name, type, node, inheritDefaults: false };
  if (config.cores !== undefined) out.cores = num(config.cores);
  if (config.memory !== undefined) out.memory = num(config.memory);
  if (type === 'lxc' && config.swap !== undefined) out.swap = num(config.swap);
  const diskKey = type === 'lxc' ? 'rootfs' : vmBootDiskKey(config);
  if (diskKey && typeof config[diskKey] === 'string') {
    const d = parseConfigValue(diskKey, config[diskKey] as string);
    const bytes = d.size ? parseSize(d.size) : undefined;
    if (d.storage && bytes) out.disk = { storage: d.storage, size: Math.round(bytes / 1024 ** 3) };
  }
  const net: Record<string, unknown>[] = [];
  for (let i = 0; i < 32; i++) {
    const raw = config[`net${i}`];
    if (typeof raw !== 'string') continue;
    const n = parseConfigValue(`net${i}`, raw);
    const ipcfg =
      type === 'vm' && typeof config[`ipconfig${i}`] === 'string'
        ? parseConfigValue(`ipconfig${i}`, config[`ipconfig${i}`] as string)
        : {};
    const ip = type === 'lxc' ? n.ip : ipcfg.ip;
    const gw = type === 'lxc' ? n.gw : ipcfg.gw;
    const entry: Record<string, unknown> = {
      name: type === 'lxc' ? (n.name ?? `eth${i}`) : `net${i}`,
      bridge: n.bridge,
      ip: ip ?? 'dhcp',
    };
    if (gw) entry.gateway = gw;
    const mac = n.hwaddr ?? n.macaddr;
    if (mac) entry.mac = mac.toUpperCase();
    if (n.tag) entry.vlan = Number(n.tag);
    if (n.firewall === '1') entry.firewall = true;
    if (type === 'vm' && n.model) entry.model = n.model;
    net.push(entry);
  }
  if (net.length > 0) out.net = net;
  if (typeof config.nameserver === 'string') out.nameserver = config.nameserver;
  if (typeof config.searchdomain === 'string') out.searchdomain = config.searchdomain;
  // PVE leaves flags at their default (0) out of the config; the schema's defaults differ
  // (onboot and unprivileged are true), so the guest's own value is always written.
  out.onboot = Number(config.onboot ?? 0) === 1;
  if (type === 'lxc') {
    out.unprivileged = Number(config.unprivileged ?? 0) === 1;
    if (typeof config.features === 'string') {
      const f = parseConfigValue('features', config.features);
      const features: Record<string, unknown> = {};
      for (const key of ['nesting', 'keyctl', 'fuse', 'mknod'])
        if (f[key] !== undefined) features[key] = f[key] === '1';
      if (Object.keys(features).length > 0) out.features = features;
    }
  }
  const tags = parseTags(typeof config.tags === 'string' ? config.tags : undefined).filter((t) => t !== MANAGED_TAG);
  if (tags.length > 0) out.tags = tags;
  if (typeof config.description === 'string') out.description = config.description;
  if (type === 'vm') {
    out.agent = /(^|,)(enabled=)?1/.test(String(config.agent ?? ''));
    if (typeof config.ciuser === 'string') {
      out.cloudInit = { user: config.ciuser, sshKeys: decodeSshKeys(config.sshkeys as string | undefined) };
    }
  }
  return out;
}
