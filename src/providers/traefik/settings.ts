/**
 * Traefik's settings from the config: entry points, where the gateway (the only trusted
 * forwarder) and the Swarm manager's Docker API are, and step-ca's ACME directory. Paths on the
 * Traefik guest are fixed here; tests only change the data, never the shape.
 */
import type { PhoenixConfig } from '../../config/schema.ts';
import type { Diagnostic } from '../../errors.ts';
import { roleGuest, staticAddress } from '../gateway/settings.ts';
import { phoenixCertificateFiles, phoenixRootFile } from '../pki/paths.ts';

export interface TraefikPaths {
  /** Static config file. */
  staticFile: string;
  /** The file provider's directory (one file per route). */
  dynamicDir: string;
  /** The internal root CA: trusted for backends, for the ACME server and for the Docker API. */
  trustedRoot: string;
  /** Client certificate for the Docker API of the Swarm manager. */
  dockerClient: { ca: string; cert: string; key: string };
  acmeStorage: string;
}

export const DEFAULT_TRAEFIK_PATHS: TraefikPaths = {
  staticFile: '/etc/traefik/traefik.yaml',
  dynamicDir: '/etc/traefik/dynamic',
  // Installed by the pki provider (pki/paths.ts is the one convention).
  trustedRoot: phoenixRootFile(),
  dockerClient: {
    ca: phoenixRootFile(),
    cert: phoenixCertificateFiles('traefik-docker').fullchain,
    key: phoenixCertificateFiles('traefik-docker').key,
  },
  acmeStorage: '/var/lib/traefik/acme.json',
};

export const CERT_RESOLVER = 'stepca';
export const WEB = 'web';
export const WEBSECURE = 'websecure';

export interface TraefikSettings {
  httpPort: number;
  tlsPort: number;
  /** Addresses whose X-Forwarded-* headers are trusted: the gateway. */
  trustedForwarders: string[];
  /** `tcp://<manager>:2376`, or undefined without a Swarm manager. */
  dockerEndpoint?: string;
  swarmNetwork?: string;
  acme: { caServer: string; email?: string };
  dashboard: boolean;
  paths: TraefikPaths;
}

export function traefikSettings(
  config: PhoenixConfig,
  paths: TraefikPaths = DEFAULT_TRAEFIK_PATHS,
): { settings?: TraefikSettings; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const ca = roleGuest(config, 'step-ca');
  if (!ca) {
    diagnostics.push({
      severity: 'error',
      code: 'E_TRAEFIK_ACME',
      message: "Traefik's certificate resolver needs step-ca's ACME directory, but no guest has role step-ca",
      hint: 'add role: step-ca to the CA guest',
    });
    return { diagnostics };
  }
  const gateway = staticAddress(roleGuest(config, 'gateway'));
  const manager = staticAddress(roleGuest(config, 'swarm-manager'));
  const stepCa = config.platform.stepCa;
  const tr = config.platform.traefik;
  const port = stepCa?.port ?? 443;
  const caHost = `${ca.name}.${config.cluster.domain}`;
  // Every address of the gateway may be the one it connects from.
  const gatewayGuest = roleGuest(config, 'gateway');
  const forwarders = (gatewayGuest?.net ?? []).filter((n) => n.ip !== 'dhcp').map((n) => n.ip.split('/')[0] as string);
  return {
    settings: {
      httpPort: tr?.entryPort ?? 80,
      tlsPort: tr?.tlsPort ?? 443,
      trustedForwarders: gateway === undefined ? [] : forwarders,
      dockerEndpoint: manager === undefined ? undefined : `tcp://${manager}:2376`,
      swarmNetwork: tr?.swarmNetwork,
      acme: {
        caServer: `https://${caHost}${port === 443 ? '' : `:${port}`}/acme/${tr?.acmeProvisioner ?? 'acme'}/directory`,
        email: tr?.acmeEmail,
      },
      dashboard: tr?.dashboard ?? false,
      paths,
    },
    diagnostics,
  };
}
