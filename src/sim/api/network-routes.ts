/**
 * Node network (spec A.7): list/create/update/delete into the pending `interfaces.new`,
 * apply (`srvreload` task) and revert.
 */
import { SimApiError, type SimRoute } from '../contract.ts';
import { duration, requireNode, type SimContext, type SimNode } from '../state/context.ts';
import { interfacesText, unifiedDiff, type NetIface } from '../state/network.ts';
import { route, strParam, withExtras } from './envelope.ts';
import { startTask } from './guest-ops.ts';

const KEYS = [
  'cidr',
  'gateway',
  'bridge_ports',
  'bridge_stp',
  'bridge_fd',
  'bridge_vlan_aware',
  'mtu',
  'comments',
  'autostart',
] as const;

/** pve-manager API2/Network.pm raises this as a parameter error. */
function noIface(): SimApiError {
  return new SimApiError(400, 'Parameter verification failed.', { iface: 'interface does not exist' });
}

function pendingOf(node: SimNode): NetIface[] {
  node.network.pending ??= structuredClone(node.network.active);
  return node.network.pending;
}

function apply(iface: NetIface, p: Record<string, unknown>): void {
  for (const key of KEYS) if (p[key] !== undefined) (iface as Record<string, unknown>)[key] = p[key];
  if (typeof p.cidr === 'string') {
    const [address, netmask] = p.cidr.split('/');
    iface.address = address;
    iface.netmask = netmask;
    iface.method = 'static';
  }
  for (const key of String(p.delete ?? '')
    .split(/[,;\s]+/)
    .filter(Boolean))
    delete (iface as Record<string, unknown>)[key];
}

export function networkRoutes(ctx: SimContext): SimRoute[] {
  return [
    route('GET', '/nodes/{node}/network', (req) => {
      const node = requireNode(ctx, req.params.node);
      const type = strParam(req.params, 'type');
      // pve-manager Network.pm `index` never lists the loopback device.
      const list = (node.network.pending ?? node.network.active).filter(
        (i) => i.iface !== 'lo' && (!type || i.type === type || (type === 'any_bridge' && i.type === 'bridge')),
      );
      const rows = list.map((i) => ({
        ...i,
        active: node.network.active.some((a) => a.iface === i.iface) ? 1 : undefined,
      }));
      if (!node.network.pending) return rows;
      return withExtras(rows, {
        changes: unifiedDiff(interfacesText(node.network.active), interfacesText(node.network.pending)),
      });
    }),
    route('GET', '/nodes/{node}/network/{iface}', (req) => {
      const node = requireNode(ctx, req.params.node);
      const iface = (node.network.pending ?? node.network.active).find((i) => i.iface === req.params.iface);
      if (!iface) throw noIface();
      return iface;
    }),
    route('POST', '/nodes/{node}/network', (req) => {
      const node = requireNode(ctx, req.params.node);
      const list = pendingOf(node);
      const name = String(req.params.iface);
      if (list.some((i) => i.iface === name))
        throw new SimApiError(400, 'Parameter verification failed.', { iface: 'interface already exists' });
      const iface: NetIface = { iface: name, type: String(req.params.type), method: 'manual', families: ['inet'] };
      apply(iface, req.params);
      list.push(iface);
      return null;
    }),
    route('PUT', '/nodes/{node}/network/{iface}', (req) => {
      const node = requireNode(ctx, req.params.node);
      const iface = pendingOf(node).find((i) => i.iface === req.params.iface);
      if (!iface) throw noIface();
      apply(iface, req.params);
      return null;
    }),
    route('DELETE', '/nodes/{node}/network/{iface}', (req) => {
      const node = requireNode(ctx, req.params.node);
      const list = pendingOf(node);
      const idx = list.findIndex((i) => i.iface === req.params.iface);
      if (idx < 0) throw noIface();
      list.splice(idx, 1);
      return null;
    }),
    route('PUT', '/nodes/{node}/network', (req) => {
      const node = requireNode(ctx, req.params.node);
      return startTask(
        ctx,
        req,
        node.network.active.length ? { node: node.name } : { node: node.name },
        'srvreload',
        'networking',
        async (task) => {
          await task.sleep(duration(ctx, 'srvreload'));
          if (node.network.pending) node.network.active = node.network.pending;
          node.network.pending = undefined;
          task.log('ifreload -a');
        },
      );
    }),
    route('DELETE', '/nodes/{node}/network', (req) => {
      requireNode(ctx, req.params.node).network.pending = undefined;
      return null;
    }),
  ];
}
