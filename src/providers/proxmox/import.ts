/**
 * `import` of the guest handler: adopt an existing guest. Reads it once (one cluster read, one
 * config read) and returns it as the config entry a user would have written — what PVE reports
 * (cores, memory, disk, network, cloud-init user and keys, tags), never the ownership tag.
 */
import type { ProxmoxClient } from '../../clients/proxmox/index.ts';
import type { PhoenixConfig } from '../../config/schema.ts';
import type { ImportRequest, ImportResponse, Resource } from '../../engine/handler.ts';
import { ProviderError } from '../../errors.ts';
import type { ProviderImporter } from '../provider.ts';
import { parseConfigValue, vmBootDiskKey } from './attributes.ts';
import { GUEST_KIND } from './derive.ts';
import { diffGuest, type ObservedGuest } from './diff.ts';
import { guestTypeOf, readGuest } from './observe.ts';
import { decodeSshKeys, parseSize, parseTags } from './property-string.ts';
import { ENV_TAG_PREFIX, guestAddress, MANAGED_TAG, type GuestSpec } from './spec.ts';

/** A guest entry as written in a config file (`guests:` item). */
export type GuestEntry = Record<string, unknown>;

export async function importGuest(
  client: ProxmoxClient,
  req: ImportRequest,
): Promise<ImportResponse<GuestEntry, ObservedGuest>> {
  const vmid = Number(req.id);
  const rows = await client.cluster.resources('vm');
  const row = rows.find((r) => Number(r.vmid) === vmid && guestTypeOf(r));
  const type = row ? guestTypeOf(row) : undefined;
  if (!row || !type || !row.node) {
    throw new ProviderError(`no guest ${vmid} in the cluster`, {
      code: 'E_IMPORT_MISSING',
      hint: 'check the id with `phoenix status` or the Proxmox UI',
    });
  }
  const observed = await readGuest(client, { vmid, node: row.node, type, status: row.status }, undefined);
  if (!observed) throw new ProviderError(`guest ${vmid} disappeared while reading it`, { code: 'E_IMPORT_MISSING' });
  const resource: Resource<GuestEntry> = {
    address: guestAddress(vmid),
    kind: GUEST_KIND,
    desired: guestYaml(vmid, type, row.node, observed.config),
    dependsOn: [],
    node: row.node,
  };
  // The storages the guest's disks live on must be declared for the file to validate: PVE's
  // own definitions, as they are (declaring a storage never changes or removes it).
  const storage = await storageDefinitions(client, storagesOf(observed.config));
  return { resource, observed, related: storage.length > 0 ? { storage } : {} };
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

/** The config's keys that identify a storage of each type the config can declare. */
const STORAGE_IDENTITY: Record<string, string[]> = {
  dir: ['path'],
  zfspool: ['pool'],
  nfs: ['server', 'export'],
  lvmthin: ['vgname', 'thinpool'],
};

/** PVE's definitions of the given storages, in the config's form (`storage:` items). */
async function storageDefinitions(client: ProxmoxClient, ids: string[]): Promise<Record<string, unknown>[]> {
  if (ids.length === 0) return [];
  const rows = await client.storage.definitions();
  return ids.map((id) => {
    const row = rows.find((r) => r.storage === id);
    const type = String(row?.type ?? '');
    const keys = STORAGE_IDENTITY[type];
    const out: Record<string, unknown> = { id, type };
    if (!row || !keys) return out; // not declarable: the importer says so if the config lacks it
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

/** `phoenix import <vmid>`: numeric ids are guests; the entry is written to guests/imported-<vmid>.yaml. */
export const guestImporter: ProviderImporter = {
  kind: GUEST_KIND,
  accepts: (id) => /^\d+$/.test(id),
  address: (id) => guestAddress(Number(id)),
  file: (id) => `guests/imported-${id}.yaml`,
  toConfig(resource, _observed, config: PhoenixConfig, related) {
    const guest = { ...(resource.desired as GuestEntry) };
    // The schema wants a source; an existing guest is never re-created from it, so any template
    // of the right kind will do (the user may correct it).
    const tmpl = config.templates.find((t) => t.kind === guest.type);
    delete guest.clone;
    if (tmpl) guest.template = tmpl.name;
    const declared = new Set(config.storage.map((s) => s.id));
    const storage = (related?.storage ?? []).filter((s) => !declared.has(String(s.id)));
    for (const s of storage) {
      if (!STORAGE_IDENTITY[String(s.type)]) {
        throw new ProviderError(
          `the guest's storage "${String(s.id)}" (${String(s.type) || 'not found'}) cannot be declared in the config`,
          {
            code: 'E_IMPORT_STORAGE',
            hint: "supported storage types: dir, zfspool, nfs, lvmthin; move the guest's disks to one of those first",
          },
        );
      }
    }
    return { ...(storage.length > 0 ? { storage } : {}), guests: [guest] };
  },
  pendingChanges(resource, observed) {
    return diffGuest(resource.desired as GuestSpec, observed as ObservedGuest)
      .changes.filter((c) => c.path !== 'tags')
      .map((c) => `${c.path}: ${show(c.before)} → ${show(c.after)}`);
  },
  note:
    `the next apply adds the ownership tag (${MANAGED_TAG}) and changes nothing else that matches;\n` +
    `inheritDefaults: false — the values below are the guest's own, not those of the defaults`,
};

function show(v: unknown): string {
  return v === undefined || v === null ? '(unset)' : String(v);
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
  // (onboot and unprivileged are true), so the guest's own value is always written — otherwise
  // `unprivileged` from the defaults would make the plan replace the imported container.
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
  const tags = parseTags(typeof config.tags === 'string' ? config.tags : undefined).filter(
    (t) => t !== MANAGED_TAG && !t.startsWith(ENV_TAG_PREFIX),
  );
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
