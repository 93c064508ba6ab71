/**
 * How this environment dials services inside guests (step-ca, Docker, Portainer): a literal
 * address on one of this machine's subnets directly, anything else through an SSH tunnel on the
 * shell connection of the node the guest runs on (one connection per node, shared with the shells).
 */
import { onLinkRoutable, routedDial, tunnelDial, type Dial, type TunnelVia } from '../clients/dial/dialer.ts';

export function guestDialer(
  transport: (node: string) => Pick<TunnelVia, 'forwardOut'> | undefined,
  routable: (host: string) => boolean = onLinkRoutable,
): (node: string) => Dial {
  const dials = new Map<string, Dial>();
  return (node) => {
    let dial = dials.get(node);
    if (!dial) {
      dial = routedDial({
        routable,
        tunnel: tunnelDial({
          name: `node ${node}`,
          forwardOut: (host, port) => {
            const ssh = transport(node);
            if (!ssh) return Promise.reject(new Error(`no SSH access to node ${node}`));
            return ssh.forwardOut(host, port);
          },
        }),
      });
      dials.set(node, dial);
    }
    return dial;
  };
}
