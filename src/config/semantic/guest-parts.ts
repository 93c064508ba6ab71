/**
 * Checks of a guest's own parts: interfaces (naming, bridge on its node), mount points
 * (storage or NFS export) and firewall rules.
 */
import type { Guest } from '../schema.ts';
import { bridgesOn, checkStorageRef, listNames, type CheckContext } from './context.ts';

export function checkInterfaces(ctx: CheckContext, guest: Guest, gi: number): void {
  const usable = bridgesOn(ctx.config, guest.node);
  guest.net.forEach((net, ni) => {
    const prefix = guest.type === 'lxc' ? 'eth' : 'net';
    if (!net.name.startsWith(prefix)) {
      ctx.report(
        ['guests', gi, 'net', ni, 'name'],
        'E_NET_NAME',
        `${guest.type === 'lxc' ? 'LXC' : 'VM'} interfaces are named ${prefix}0, ${prefix}1, ... (got "${net.name}")`,
        `rename it to ${prefix}${net.name.replace(/^\D+/, '')}`,
      );
    }
    if (!usable.some((b) => b.name === net.bridge)) {
      ctx.report(
        ['guests', gi, 'net', ni, 'bridge'],
        'E_UNKNOWN_BRIDGE',
        `bridge "${net.bridge}" is not declared on node "${guest.node}"`,
        `declare it in network.bridges or use one of: ${listNames(usable.map((b) => b.name))}`,
      );
    }
    if (net.model && guest.type === 'lxc') {
      ctx.report(
        ['guests', gi, 'net', ni, 'model'],
        'E_VM_ONLY',
        'model applies to VM interfaces only',
        'remove model from this LXC interface',
      );
    }
  });
}

export function checkMounts(ctx: CheckContext, guest: Guest, gi: number): void {
  guest.mounts.forEach((mount, mi) => {
    const path = ['guests', gi, 'mounts', mi];
    if ((mount.storage === undefined) === (mount.nfs === undefined)) {
      ctx.report(
        path,
        'E_MOUNT',
        'a mount needs either storage (with size) or nfs',
        'write { path, storage, size } or { path, nfs: <export name> }',
      );
      return;
    }
    if (mount.storage !== undefined) {
      if (mount.size === undefined)
        ctx.report(path, 'E_MISSING_FIELD', 'missing required field "size" for a storage mount', 'add "size: <GiB>"');
      checkStorageRef(
        ctx,
        [...path, 'storage'],
        mount.storage,
        guest.type === 'lxc' ? 'rootdir' : 'images',
        guest.node,
      );
    } else if (!ctx.config.nfs.exports.some((e) => e.name === mount.nfs)) {
      ctx.report(
        [...path, 'nfs'],
        'E_UNKNOWN_EXPORT',
        `NFS export "${mount.nfs}" is not declared`,
        `declare it under nfs.exports or use one of: ${listNames(ctx.config.nfs.exports.map((e) => e.name))}`,
      );
    }
  });
}

/** Ports only mean something for tcp/udp; Proxmox refuses dport/sport without such a proto. */
export function checkFirewall(ctx: CheckContext, guest: Guest, gi: number): void {
  guest.firewall?.rules.forEach((rule, ri) => {
    const port = rule.dport !== undefined ? 'dport' : rule.sport !== undefined ? 'sport' : undefined;
    if (port && rule.proto !== 'tcp' && rule.proto !== 'udp') {
      ctx.report(
        ['guests', gi, 'firewall', 'rules', ri, port],
        'E_FIREWALL_RULE',
        `${port} needs proto tcp or udp${rule.proto ? ` (got ${rule.proto})` : ''}`,
        'add "proto: tcp" (or udp) to the rule',
      );
    }
  });
}
