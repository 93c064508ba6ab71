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
import type { ObservedGuest } from './diff.ts';
import { guestTypeOf, readGuest } from './observe.ts';
import { decodeSshKeys, parseSize, parseTags } from './property-string.ts';
import { ENV_TAG_PREFIX, guestAddress, MANAGED_TAG } from './spec.ts';

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
  return { resource, observed };
}

/** `phoenix import <vmid>`: numeric ids are guests; the entry is written to guests/imported-<vmid>.yaml. */
export const guestImporter: ProviderImporter = {
  kind: GUEST_KIND,
  accepts: (id) => /^\d+$/.test(id),
  address: (id) => guestAddress(Number(id)),
  file: (id) => `guests/imported-${id}.yaml`,
  toConfig(resource, _observed, config: PhoenixConfig) {
    const guest = { ...(resource.desired as GuestEntry) };
    // The schema wants a source; an existing guest is never re-created from it, so any template
    // of the right kind will do (the user may correct it).
    const tmpl = config.templates.find((t) => t.kind === guest.type);
    delete guest.clone;
    if (tmpl) guest.template = tmpl.name;
    return { guests: [guest] };
  },
  note: `the next apply adds the ownership tag (${MANAGED_TAG}) and changes nothing else that matches`,
};

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
  if (config.onboot !== undefined) out.onboot = Number(config.onboot) === 1;
  // PVE leaves `unprivileged` out of the config of a privileged container (default 0): written
  // explicitly, or `defaults.lxc.unprivileged` would make the plan replace the imported guest.
  if (type === 'lxc') out.unprivileged = Number(config.unprivileged ?? 0) === 1;
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
