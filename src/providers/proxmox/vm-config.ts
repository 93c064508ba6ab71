/**
 * QEMU VMs: desired spec → managed attributes, the parameters that build a cloud-image
 * template (`POST /nodes/{node}/qemu` with `import-from`), clone parameters and the config
 * parameters of `POST .../config`. Pure functions.
 */
import type { Attribute } from './attributes.ts';
import { attr, commonTailAttributes, guestTags, setCommonTailParams } from './guest-config.ts';
import { encodeSshKeys, formatPropertyString } from './property-string.ts';
import type { GuestSpec, NetSpec } from './spec.ts';

/** `virtio=<MAC>,bridge=vmbr0,firewall=1`: QEMU writes the model as the key of the MAC. */
export function vmNetString(net: NetSpec, observedMac?: string): string {
  const model = net.model ?? 'virtio';
  const mac = net.mac ?? observedMac;
  const rest = formatPropertyString({ bridge: net.bridge, firewall: net.firewall, tag: net.vlan });
  return `${mac ? `${model}=${mac.toUpperCase()}` : model},${rest}`;
}

export function ipconfigString(net: NetSpec): string | undefined {
  if (net.ip === undefined) return undefined;
  return formatPropertyString({ ip: net.ip, gw: net.ip === 'dhcp' ? undefined : net.gateway });
}

export function vmAttributes(spec: GuestSpec): Attribute[] {
  const out: Attribute[] = [attr('name', spec.name, 'in-place')];
  if (spec.cores !== undefined) out.push(attr('cores', spec.cores, 'restart'));
  if (spec.memory !== undefined) out.push(attr('memory', spec.memory, 'restart'));
  if (spec.agent !== undefined) out.push(attr('agent.enabled', spec.agent, 'restart'));
  for (const net of spec.net) {
    const k = `net${net.index}`;
    out.push(attr(`${k}.model`, net.model ?? 'virtio', 'restart'), attr(`${k}.bridge`, net.bridge, 'in-place'));
    if (net.mac !== undefined) out.push(attr(`${k}.macaddr`, net.mac, 'restart'));
    out.push(attr(`${k}.tag`, net.vlan, 'in-place'), attr(`${k}.firewall`, net.firewall ?? false, 'in-place'));
    if (net.ip !== undefined && !spec.isTemplate) {
      out.push(attr(`ipconfig${net.index}.ip`, net.ip, 'cloud-init'));
      out.push(attr(`ipconfig${net.index}.gw`, net.ip === 'dhcp' ? undefined : net.gateway, 'cloud-init'));
    }
  }
  if (spec.disk) out.push(attr('disk.size', `${spec.disk.sizeGiB}G`, 'resize'));
  if (spec.cloudInit && !spec.isTemplate) {
    if (spec.cloudInit.user !== undefined) out.push(attr('ciuser', spec.cloudInit.user, 'cloud-init'));
    if (spec.cloudInit.sshKeys.length > 0)
      out.push(attr('sshkeys', encodeSshKeys(spec.cloudInit.sshKeys), 'cloud-init'));
  }
  if (spec.nameserver !== undefined) out.push(attr('nameserver', spec.nameserver, 'cloud-init'));
  if (spec.searchdomain !== undefined) out.push(attr('searchdomain', spec.searchdomain, 'cloud-init'));
  out.push(...commonTailAttributes(spec));
  return out;
}

/**
 * `POST /nodes/{node}/qemu` for a cloud-image template: the image is imported into the boot
 * disk with `import-from` (spec §6.2), a cloud-init drive is attached, the agent is enabled and
 * the serial console is the display (what cloud images expect).
 */
export function vmCreateFromImageParams(spec: GuestSpec): Record<string, string | number> {
  if (spec.source.kind !== 'image') throw new Error(`guest ${spec.vmid} is not built from a cloud image`);
  const storage = spec.source.storage;
  const params: Record<string, string | number> = {
    vmid: spec.vmid,
    scsihw: 'virtio-scsi-pci',
    scsi0: `${storage}:0,import-from=${spec.source.volid}`,
    ide2: `${storage}:cloudinit`,
    boot: 'order=scsi0',
    serial0: 'socket',
    vga: 'serial0',
    ostype: 'l26',
    ...vmConfigParams(spec),
  };
  return params;
}

/** `POST /nodes/{node}/qemu/{from}/clone`: linked clone of a template unless `full` is set. */
export function vmCloneParams(spec: GuestSpec, sourceNode: string): Record<string, string | number> {
  if (spec.source.kind !== 'clone') throw new Error(`guest ${spec.vmid} is not a clone`);
  const params: Record<string, string | number> = { newid: spec.vmid, name: spec.name };
  if (spec.source.full) {
    params.full = 1;
    if (spec.disk) params.storage = spec.disk.storage;
  }
  if (spec.source.snapshot) params.snapname = spec.source.snapshot;
  if (spec.node !== sourceNode) params.target = spec.node;
  return params;
}

/** Config keys written with `POST .../config` (disks are grown with resize, never here). */
export function vmConfigParams(
  spec: GuestSpec,
  observed: Record<string, unknown> = {},
  options: { password?: string } = {},
): Record<string, string | number> {
  const params: Record<string, string | number> = { name: spec.name, tags: guestTags(spec) };
  if (spec.cores !== undefined) params.cores = spec.cores;
  if (spec.memory !== undefined) params.memory = spec.memory;
  if (spec.agent !== undefined) params.agent = spec.agent ? 'enabled=1' : 'enabled=0';
  for (const net of spec.net) {
    params[`net${net.index}`] = vmNetString(net, macOf(observed[`net${net.index}`]));
    const ipconfig = spec.isTemplate ? undefined : ipconfigString(net);
    if (ipconfig !== undefined) params[`ipconfig${net.index}`] = ipconfig;
  }
  if (spec.cloudInit && !spec.isTemplate) {
    if (spec.cloudInit.user !== undefined) params.ciuser = spec.cloudInit.user;
    if (spec.cloudInit.sshKeys.length > 0) params.sshkeys = encodeSshKeys(spec.cloudInit.sshKeys);
    // PVE only ever returns the password masked, so it cannot be diffed: it is set once, at creation.
    if (options.password !== undefined) params.cipassword = options.password;
  }
  if (spec.nameserver !== undefined) params.nameserver = spec.nameserver;
  if (spec.searchdomain !== undefined) params.searchdomain = spec.searchdomain;
  setCommonTailParams(spec, params);
  return params;
}

function macOf(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const m = /(?:^|,)(?:[a-z0-9_]+)=([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5})(?:,|$)/.exec(raw);
  return m?.[1];
}
