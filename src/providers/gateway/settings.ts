/**
 * The gateway's settings from the config: its ports, HSTS, and where Traefik (the upstream)
 * listens. Diagnostics instead of throws when the topology lacks a piece.
 */
import type { Guest, PhoenixConfig } from '../../config/schema.ts';
import type { Diagnostic } from '../../errors.ts';
import type { GatewaySettings } from './render-nginx.ts';

export function roleGuest(config: PhoenixConfig, role: string): Guest | undefined {
  return config.guests.find((g) => [g.role ?? []].flat().includes(role as never));
}

export function staticAddress(guest: Guest | undefined): string | undefined {
  return guest?.net.find((nic) => nic.ip !== 'dhcp')?.ip.split('/')[0];
}

export function gatewaySettings(config: PhoenixConfig): { settings?: GatewaySettings; diagnostics: Diagnostic[] } {
  const traefik = roleGuest(config, 'traefik');
  const address = staticAddress(traefik);
  if (address === undefined) {
    return {
      diagnostics: [
        {
          severity: 'error',
          code: 'E_GATEWAY_UPSTREAM',
          message: 'routes need a guest with role traefik and a static address (the gateway forwards to it)',
          hint: 'set role: traefik and a static ip on the Traefik guest',
        },
      ],
    };
  }
  const gw = config.platform.gateway;
  const tr = config.platform.traefik;
  return {
    settings: {
      httpPort: gw?.httpPort ?? 80,
      httpsPort: gw?.httpsPort ?? 443,
      redirectHttp: gw?.redirectHttp ?? true,
      hstsMaxAge: gw?.hstsMaxAge ?? 31_536_000,
      upstream: { address, tlsPort: tr?.tlsPort ?? 443, httpPort: tr?.entryPort ?? 80 },
    },
    diagnostics: [],
  };
}
