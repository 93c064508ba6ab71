/**
 * Addressing: a guest's static IP and gateway must sit in the subnet of the bridge it is
 * plugged into, and a bridge's gateway inside its own subnet. Network and broadcast
 * addresses are not usable host addresses.
 */
import { parseIpv4, parseIpv4Cidr } from '../schema-common.ts';
import { bridgesOn, type CheckContext } from './context.ts';

interface Subnet {
  network: number;
  broadcast: number;
  prefix: number;
}

function subnetOf(cidr: string): Subnet | undefined {
  const parsed = parseIpv4Cidr(cidr);
  if (!parsed) return undefined;
  const size = 2 ** (32 - parsed.prefix);
  const network = Math.floor(parsed.address / size) * size;
  return { network, broadcast: network + size - 1, prefix: parsed.prefix };
}

function contains(subnet: Subnet, address: number): boolean {
  return address >= subnet.network && address <= subnet.broadcast;
}

function formatSubnet(subnet: Subnet): string {
  const n = subnet.network;
  return `${[n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.')}/${subnet.prefix}`;
}

/**
 * Two bridges on one node with overlapping subnets make the host's routing ambiguous (which
 * bridge gets 10.10.0.130?). A bridge without `node` is on every node.
 */
function checkOverlaps(ctx: CheckContext): void {
  const bridges = ctx.config.network.bridges;
  bridges.forEach((bridge, bi) => {
    const subnet = subnetOf(bridge.cidr);
    if (!subnet) return;
    for (let ai = 0; ai < bi; ai++) {
      const other = bridges[ai];
      const otherSubnet = other ? subnetOf(other.cidr) : undefined;
      if (!other || !otherSubnet) continue;
      if (bridge.node !== undefined && other.node !== undefined && bridge.node !== other.node) continue;
      if (subnet.network > otherSubnet.broadcast || otherSubnet.network > subnet.broadcast) continue;
      ctx.report(
        ['network', 'bridges', bi, 'cidr'],
        'E_SUBNET_OVERLAP',
        `subnet ${formatSubnet(subnet)} of bridge ${bridge.name} overlaps ${formatSubnet(otherSubnet)} of bridge ${other.name}`,
        'give each bridge of a node its own subnet',
      );
      return;
    }
  });
}

export function checkNetwork(ctx: CheckContext): void {
  const { config } = ctx;
  checkOverlaps(ctx);
  config.network.bridges.forEach((bridge, bi) => {
    const subnet = subnetOf(bridge.cidr);
    if (!subnet || !bridge.gateway) return;
    const gateway = parseIpv4(bridge.gateway);
    if (gateway !== undefined && !contains(subnet, gateway)) {
      ctx.report(
        ['network', 'bridges', bi, 'gateway'],
        'E_GATEWAY_SUBNET',
        `gateway ${bridge.gateway} is outside the bridge subnet ${formatSubnet(subnet)}`,
        `use an address in ${formatSubnet(subnet)} or fix the bridge cidr`,
      );
    }
  });

  config.guests.forEach((guest, gi) =>
    guest.net.forEach((net, ni) => {
      const bridge = bridgesOn(config, guest.node).find((b) => b.name === net.bridge);
      const subnet = bridge ? subnetOf(bridge.cidr) : undefined;
      if (net.ip === 'dhcp') {
        if (net.gateway) {
          ctx.report(
            ['guests', gi, 'net', ni, 'gateway'],
            'E_GATEWAY_DHCP',
            'gateway is set on a DHCP interface',
            'DHCP provides the gateway: remove it, or use a static ip',
          );
        }
        return;
      }
      const parsed = parseIpv4Cidr(net.ip);
      if (!subnet || !parsed) return; // unknown bridge: reported by the reference checks
      if (!contains(subnet, parsed.address) || parsed.prefix !== subnet.prefix) {
        ctx.report(
          ['guests', gi, 'net', ni, 'ip'],
          'E_IP_SUBNET',
          `ip ${net.ip} is outside subnet ${formatSubnet(subnet)} of bridge ${net.bridge}`,
          `use an address in ${formatSubnet(subnet)} with the same prefix length, or another bridge`,
        );
      } else if (subnet.prefix < 31 && (parsed.address === subnet.network || parsed.address === subnet.broadcast)) {
        ctx.report(
          ['guests', gi, 'net', ni, 'ip'],
          'E_IP_RESERVED',
          `ip ${net.ip} is the ${parsed.address === subnet.network ? 'network' : 'broadcast'} address of ${formatSubnet(subnet)}`,
          'pick a host address inside the subnet',
        );
      }
      if (net.gateway) {
        const gateway = parseIpv4(net.gateway);
        if (gateway !== undefined && !contains(subnet, gateway)) {
          ctx.report(
            ['guests', gi, 'net', ni, 'gateway'],
            'E_GATEWAY_SUBNET',
            `gateway ${net.gateway} is outside subnet ${formatSubnet(subnet)} of bridge ${net.bridge}`,
            `use a gateway in ${formatSubnet(subnet)}`,
          );
        }
      }
    }),
  );
}
