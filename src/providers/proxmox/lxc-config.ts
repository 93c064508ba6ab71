/**
 * LXC: desired spec → the attributes Phoenix manages, the create parameters
 * (`POST /nodes/{node}/lxc`) and the config parameters (`PUT .../config`). Pure functions.
 */
import type { Attribute } from './attributes.ts';
import { attr, commonTailAttributes, guestTags, setCommonTailParams } from './guest-config.ts';
import { formatPropertyString } from './property-string.ts';
import type { GuestSpec, NetSpec } from './spec.ts';

export function lxcNetString(net: NetSpec, observedMac?: string): string {
  return formatPropertyString({
    name: net.name,
    bridge: net.bridge,
    ip: net.ip,
    gw: net.gateway,
    hwaddr: net.mac ?? observedMac,
    tag: net.vlan,
    firewall: net.firewall,
    type: 'veth',
  });
}

export function featuresString(features: Record<string, boolean> | undefined): string | undefined {
  if (!features || Object.keys(features).length === 0) return undefined;
  return formatPropertyString(features);
}

/** Everything Phoenix manages on a container, in canonical form. */
export function lxcAttributes(spec: GuestSpec): Attribute[] {
  const out: Attribute[] = [attr('hostname', spec.name, 'restart')];
  if (spec.cores !== undefined) out.push(attr('cores', spec.cores, 'in-place'));
  if (spec.memory !== undefined) out.push(attr('memory', spec.memory, 'in-place'));
  if (spec.swap !== undefined) out.push(attr('swap', spec.swap, 'in-place'));
  for (const net of spec.net) {
    const k = `net${net.index}`;
    out.push(attr(`${k}.name`, net.name, 'in-place'), attr(`${k}.bridge`, net.bridge, 'in-place'));
    out.push(attr(`${k}.ip`, net.ip, 'in-place'), attr(`${k}.gw`, net.gateway, 'in-place'));
    if (net.mac !== undefined) out.push(attr(`${k}.hwaddr`, net.mac, 'in-place'));
    out.push(attr(`${k}.tag`, net.vlan, 'in-place'));
    out.push(attr(`${k}.firewall`, net.firewall ?? false, 'in-place'));
  }
  if (spec.disk) {
    // A linked clone lives on its source's storage; only a created/full-cloned disk has a declared one.
    if (spec.source.kind !== 'clone' || spec.source.full)
      out.push(attr('rootfs.storage', spec.disk.storage, 'replace'));
    out.push(attr('rootfs.size', `${spec.disk.sizeGiB}G`, 'resize'));
  }
  for (const m of spec.mounts) {
    const k = `mp${m.index}`;
    out.push(attr(`${k}.mp`, m.path, 'restart'), attr(`${k}.storage`, m.storage, 'replace'));
    out.push(attr(`${k}.size`, `${m.sizeGiB}G`, 'resize'));
  }
  if (spec.nameserver !== undefined) out.push(attr('nameserver', spec.nameserver, 'restart'));
  if (spec.searchdomain !== undefined) out.push(attr('searchdomain', spec.searchdomain, 'restart'));
  if (spec.unprivileged !== undefined) out.push(attr('unprivileged', spec.unprivileged, 'replace'));
  for (const [name, on] of Object.entries(spec.features ?? {})) out.push(attr(`features.${name}`, on, 'restart'));
  out.push(...commonTailAttributes(spec));
  return out;
}

/** Parameters of `POST /nodes/{node}/lxc` for a container created from an OS template. */
export function lxcCreateParams(spec: GuestSpec): Record<string, string | number> {
  if (spec.source.kind !== 'ostemplate') throw new Error(`guest ${spec.vmid} is not created from an OS template`);
  const params: Record<string, string | number> = {
    vmid: spec.vmid,
    ostemplate: spec.source.volid,
    hostname: spec.name,
    tags: guestTags(spec),
  };
  if (spec.disk) params.rootfs = `${spec.disk.storage}:${spec.disk.sizeGiB}`;
  Object.assign(params, lxcConfigParams(spec));
  for (const m of spec.mounts) {
    params[`mp${m.index}`] = formatPropertyString(
      { volume: `${m.storage}:${m.sizeGiB}`, mp: m.path, backup: m.backup },
      'volume',
    );
  }
  if (spec.unprivileged !== undefined) params.unprivileged = spec.unprivileged ? 1 : 0;
  return params;
}

/**
 * The config keys that `PUT .../config` may set on an existing container (everything except
 * disks, which are grown by resize, and `unprivileged`, which cannot change). `observed`
 * keeps generated values such as MAC addresses that the config does not declare.
 */
export function lxcConfigParams(
  spec: GuestSpec,
  observed: Record<string, unknown> = {},
): Record<string, string | number> {
  const params: Record<string, string | number> = { hostname: spec.name, tags: guestTags(spec) };
  if (spec.cores !== undefined) params.cores = spec.cores;
  if (spec.memory !== undefined) params.memory = spec.memory;
  if (spec.swap !== undefined) params.swap = spec.swap;
  for (const net of spec.net) params[`net${net.index}`] = lxcNetString(net, observedMac(observed[`net${net.index}`]));
  if (spec.nameserver !== undefined) params.nameserver = spec.nameserver;
  if (spec.searchdomain !== undefined) params.searchdomain = spec.searchdomain;
  const features = featuresString(spec.features);
  if (features !== undefined) params.features = features;
  setCommonTailParams(spec, params);
  return params;
}

function observedMac(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const m = /(?:^|,)(?:hwaddr|macaddr)=([0-9A-Fa-f:]{17})/.exec(raw);
  return m?.[1];
}
