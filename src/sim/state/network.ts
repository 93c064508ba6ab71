/**
 * Node network (spec A.7): the active `/etc/network/interfaces` and the pending
 * `/etc/network/interfaces.new`. Edits only touch the pending copy; `PUT /network` applies it
 * (task `srvreload`), `DELETE /network` reverts it.
 */

export interface NetIface {
  iface: string;
  type: string;
  method: string;
  families: string[];
  autostart?: number;
  cidr?: string;
  address?: string;
  netmask?: string;
  gateway?: string;
  bridge_ports?: string;
  bridge_stp?: string;
  bridge_fd?: string;
  bridge_vlan_aware?: number;
  mtu?: number;
  comments?: string;
  [key: string]: unknown;
}

export interface NetworkState {
  active: NetIface[];
  /** `interfaces.new` when there are unapplied edits. */
  pending?: NetIface[];
}

export function defaultNetwork(ip: string): NetworkState {
  const gw = ip.replace(/\.\d+$/, '.1');
  return {
    active: [
      { iface: 'lo', type: 'loopback', method: 'loopback', families: ['inet'], autostart: 1 },
      { iface: 'eno1', type: 'eth', method: 'manual', families: ['inet'] },
      {
        iface: 'vmbr0',
        type: 'bridge',
        method: 'static',
        families: ['inet'],
        autostart: 1,
        cidr: `${ip}/24`,
        address: ip,
        netmask: '24',
        gateway: gw,
        bridge_ports: 'eno1',
        bridge_stp: 'off',
        bridge_fd: '0',
      },
    ],
  };
}

/** The ifupdown text of a set of interfaces (used for the `changes` diff). */
export function interfacesText(list: NetIface[]): string {
  const lines: string[] = [];
  for (const i of [...list].sort((a, b) => a.iface.localeCompare(b.iface))) {
    if (i.autostart) lines.push(`auto ${i.iface}`);
    lines.push(`iface ${i.iface} inet ${i.method}`);
    if (i.cidr) lines.push(`\taddress ${i.cidr}`);
    if (i.gateway) lines.push(`\tgateway ${i.gateway}`);
    if (i.type === 'bridge') {
      lines.push(`\tbridge-ports ${i.bridge_ports ?? 'none'}`);
      lines.push(`\tbridge-stp ${i.bridge_stp ?? 'off'}`);
      lines.push(`\tbridge-fd ${i.bridge_fd ?? '0'}`);
      if (i.bridge_vlan_aware) lines.push('\tbridge-vlan-aware yes');
    }
    if (i.mtu) lines.push(`\tmtu ${i.mtu}`);
    if (i.comments) lines.push(`#${i.comments}`);
    lines.push('');
  }
  return lines.join('\n');
}

/** A minimal unified diff of two texts (whole-file hunk), like the `changes` PVE returns. */
export function unifiedDiff(before: string, after: string): string {
  if (before === after) return '';
  const a = before.split('\n');
  const b = after.split('\n');
  const out = ['--- /etc/network/interfaces', '+++ /etc/network/interfaces.new', `@@ -1,${a.length} +1,${b.length} @@`];
  const inB = new Set(b);
  const inA = new Set(a);
  for (const line of a) out.push(inB.has(line) ? ` ${line}` : `-${line}`);
  for (const line of b) if (!inA.has(line)) out.push(`+${line}`);
  return `${out.join('\n')}\n`;
}
