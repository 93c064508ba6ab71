/**
 * The NICs a simulated guest sees: one per `netN`, addressed from the config (LXC `ip=`,
 * QEMU `ipconfigN`) or from DHCP on the node bridge (spec §6.3 ipconfig, A.5 agent).
 */
import type { SimContext } from '../state/context.ts';
import type { Guest } from '../state/guests.ts';
import { FORMATS, parseProps } from '../state/props.ts';
import { resolveIpv4 } from '../guests/dhcp.ts';
import type { GuestNic } from '../guests/guest-os.ts';

function bridgeCidr(ctx: SimContext, node: string, bridge: string | undefined): string | undefined {
  const net = ctx.nodes.get(node)?.network;
  return net?.active.find((i) => i.iface === (bridge ?? 'vmbr0'))?.cidr;
}

function ipv6Of(value: string | undefined): string | undefined {
  return value && value.includes('/') ? value : undefined;
}

export function lxcNics(ctx: SimContext, guest: Guest): GuestNic[] {
  const out: GuestNic[] = [];
  for (const key of Object.keys(guest.config)
    .filter((k) => /^net\d+$/.test(k))
    .sort()) {
    const net = parseProps(String(guest.config[key]), FORMATS.lxcNet);
    const nic = { name: net.name ?? key.replace('net', 'eth'), mac: net.hwaddr ?? '', ipv6: ipv6Of(net.ip6) };
    out.push(resolveIpv4(ctx.leases, nic, net.ip, bridgeCidr(ctx, guest.node, net.bridge)));
  }
  return out;
}

export function qemuNics(ctx: SimContext, guest: Guest): GuestNic[] {
  const out: GuestNic[] = [];
  const hasCloudinit = Object.values(guest.config).some((v) => typeof v === 'string' && v.includes('-cloudinit'));
  for (const key of Object.keys(guest.config)
    .filter((k) => /^net\d+$/.test(k))
    .sort()) {
    const n = key.slice(3);
    const net = parseProps(String(guest.config[key]), FORMATS.qemuNet);
    const ipc =
      typeof guest.config[`ipconfig${n}`] === 'string'
        ? parseProps(String(guest.config[`ipconfig${n}`]), FORMATS.plain)
        : {};
    // Without cloud-init the guest OS falls back to DHCP on its NICs.
    const ip = hasCloudinit ? (ipc.ip ?? 'dhcp') : 'dhcp';
    const nic = { name: `eth${n}`, mac: net.macaddr ?? '', ipv6: ipv6Of(ipc.ip6) };
    out.push(resolveIpv4(ctx.leases, nic, ip, bridgeCidr(ctx, guest.node, net.bridge)));
  }
  return out;
}
