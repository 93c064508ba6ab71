/**
 * `phoenix import <vmid>`: adopt an existing guest. Reads it once and writes a guest YAML file
 * into the config from what PVE reports; the adoption is recorded in the state file so the
 * next apply may add the ownership tag (an untagged guest is otherwise never touched).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { stringify } from 'yaml';
import { CliError } from '../errors.ts';
import { parseConfigValue, vmBootDiskKey } from '../providers/proxmox/attributes.ts';
import { guestTypeOf, readGuest } from '../providers/proxmox/observe.ts';
import { decodeSshKeys, parseSize, parseTags } from '../providers/proxmox/property-string.ts';
import { ENV_TAG_PREFIX, MANAGED_TAG } from '../providers/proxmox/spec.ts';
import { IMPORT_EVENT, type Phoenix } from './create-phoenix.ts';

export async function importGuest(
  phoenix: Phoenix,
  vmid: number,
  outFile?: string,
): Promise<{ file: string; yaml: string }> {
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
  const yaml =
    `# yaml-language-server: $schema=${relative(join(phoenix.configDir, 'guests'), join(phoenix.configDir, '..', '..', 'schema', 'phoenix.schema.json'))}\n` +
    `# Imported from Proxmox guest ${vmid} on ${row.node}. Review, then run \`phoenix plan\`:\n` +
    `# the next apply adds the ownership tag (${MANAGED_TAG}) and changes nothing else that matches.\n` +
    stringify({ guests: [guest] });
  const file = outFile ?? join(phoenix.configDir, 'guests', `imported-${vmid}.yaml`);
  if (existsSync(file))
    throw new CliError(`${file} already exists`, {
      code: 'E_IMPORT_EXISTS',
      hint: 'pass --out with another file name',
    });
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, yaml);
  phoenix.state().events.add({
    type: IMPORT_EVENT,
    address: `guest.${vmid}`,
    message: `guest ${vmid} imported into ${file}`,
    data: { vmid },
  });
  return { file, yaml };
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
  const out: Record<string, unknown> = { id: vmid, name, type, node };
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
