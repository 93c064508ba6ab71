/**
 * Out-of-band changes through the control endpoint: drift Phoenix must detect (a config key
 * changed behind its back, a guest deleted or stopped, a node bridge edited, a firewall rule
 * added) — applied directly to the state, without tasks or locks.
 */
import { SimApiError } from '../contract.ts';
import type { SimContext } from './context.ts';
import type { Guest } from './guests.ts';
import { recoverNode } from './ha.ts';
import { referencedVolumes } from '../api/guest-config.ts';

function guestOf(ctx: SimContext, args: Record<string, unknown>): Guest {
  const guest = ctx.guests.get(Number(args.vmid));
  if (!guest) throw new SimApiError(400, `control: no guest ${String(args.vmid)}`);
  return guest;
}

export const CONTROL_ACTIONS = [
  'set-config',
  'delete-config-key',
  'delete-guest',
  'stop',
  'start',
  'set-bridge',
  'add-firewall-rule',
  'set-lock',
  'set-node-status',
  'node-offline',
  'node-online',
] as const;

export function applyControl(ctx: SimContext, action: string, args: Record<string, unknown>): unknown {
  switch (action) {
    case 'set-config': {
      const guest = guestOf(ctx, args);
      guest.config[String(args.key)] = args.value as string | number;
      return null;
    }
    case 'delete-config-key':
      delete guestOf(ctx, args).config[String(args.key)];
      return null;
    case 'set-lock': {
      const guest = guestOf(ctx, args);
      if (args.lock === undefined || args.lock === null) delete guest.config.lock;
      else guest.config.lock = String(args.lock);
      return null;
    }
    case 'ignore-shutdown':
      guestOf(ctx, args).os.ignoresShutdown = args.value !== false;
      return null;
    case 'set-node-status':
    case 'node-offline':
    case 'node-online': {
      const node = ctx.nodes.get(String(args.node));
      if (!node) throw new SimApiError(400, `control: no node ${String(args.node)}`);
      node.online = action === 'node-online' || (action === 'set-node-status' && args.online !== false);
      if (node.online) return { node: node.name, online: true };
      // The node is gone: its guests' state is unknown, and the HA manager recovers its services.
      const recovered = recoverNode(ctx, node.name, (g) => referencedVolumes(g.type, g.config).map((v) => v.volid));
      return { node: node.name, online: false, recovered };
    }
    case 'delete-guest':
      ctx.guests.delete(guestOf(ctx, args).vmid);
      return null;
    case 'stop':
    case 'start': {
      const guest = guestOf(ctx, args);
      guest.status = action === 'start' ? 'running' : 'stopped';
      guest.startedAt = action === 'start' ? ctx.clock.now() : undefined;
      return null;
    }
    case 'set-bridge': {
      const node = ctx.nodes.get(String(args.node));
      if (!node) throw new SimApiError(400, `control: no node ${String(args.node)}`);
      const name = String(args.iface ?? 'vmbr0');
      const existing = node.network.active.find((i) => i.iface === name);
      const fields = {
        ...(args.cidr ? { cidr: String(args.cidr), address: String(args.cidr).split('/')[0] } : {}),
        ...(args.bridge_ports ? { bridge_ports: String(args.bridge_ports) } : {}),
      };
      if (existing) Object.assign(existing, fields);
      else
        node.network.active.push({
          iface: name,
          type: 'bridge',
          method: args.cidr ? 'static' : 'manual',
          families: ['inet'],
          autostart: 1,
          ...fields,
        });
      return null;
    }
    case 'add-firewall-rule': {
      const rule = (args.rule ?? {}) as Record<string, string | number>;
      if (args.vmid !== undefined) {
        const scope = (ctx.firewall.guests[String(args.vmid)] ??= { options: {}, rules: [], ipsets: {}, aliases: {} });
        scope.rules.unshift(rule);
      } else ctx.firewall.cluster.rules.unshift(rule);
      return null;
    }
    default:
      throw new SimApiError(400, `unknown control action '${action}' (known: ${CONTROL_ACTIONS.join(', ')})`);
  }
}
