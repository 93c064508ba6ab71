/**
 * The certificates a config implies: every entry of `certificates`, plus those the topology
 * needs without being told — the gateway (nginx), Traefik, each Swarm node's Docker daemon and
 * Portainer — and, with a Swarm, Phoenix's own Docker client certificate (`phoenix-docker`, on
 * this machine). A derived certificate is named `<role>-<guest>` (or `phoenix-docker`); declaring
 * a certificate with that name overrides it. Names are checked against the policy (the cluster domain and the guests'
 * own addresses), which step-ca 0.19 itself cannot enforce (no name policy before 0.20).
 *
 * Structural input (like the node provider's): the config satisfies it, no import of config/.
 */
import type { Diagnostic } from '../../errors.ts';
import type { Resource } from '../../engine/handler.ts';
import type { TargetRef } from '../node/shell.ts';
import { CERTIFICATE_KIND, type CertificateDesired } from './certificate-handler.ts';
import type { KeyType } from './keys.ts';
import { guestAddresses as staticAddresses, nameAllowed } from '../../util/cert-names.ts';
import {
  certificateAddress,
  PHOENIX_DOCKER_CLIENT_CERT,
  PHOENIX_LOCAL_CERT_DIR,
  phoenixCertificateFiles,
  phoenixRootFile,
} from './paths.ts';

export { certificateAddress } from './paths.ts';

export interface PkiSourceGuest {
  id: number;
  name: string;
  type: 'lxc' | 'vm';
  node: string;
  net: { ip: string }[];
  role?: string | string[];
}

export interface PkiSourceCertificate {
  name: string;
  commonName: string;
  sans: string[];
  renewBefore?: string;
  duration?: string;
  guest?: string | number;
}

export interface PkiSource {
  environment?: string;
  cluster: { domain: string };
  guests: PkiSourceGuest[];
  platform?: { stepCa?: { defaultDuration: string; keyType?: KeyType } };
  certificates: PkiSourceCertificate[];
}

interface Placement {
  cert: string;
  key: string;
  /** The internal root, written next to the certificate (what upstream TLS must chain to). */
  root?: string;
  reload?: string;
}

function dirPlacement(dir: string, cert: string, key: string, reload?: string): Placement {
  return { cert: `${dir}/${cert}`, key: `${dir}/${key}`, ...(reload ? { reload } : {}) };
}

/** Where the gateway's nginx and Traefik read their certificates and the root (pki/paths.ts). */
function phoenixPlacement(name: string, reload?: string): Placement {
  const files = phoenixCertificateFiles(name);
  return { cert: files.fullchain, key: files.key, root: phoenixRootFile(), ...(reload ? { reload } : {}) };
}

/** Where each role's software reads its certificate (Debian layouts), and what to reload. */
const PLACEMENT: Record<string, (name: string) => Placement> = {
  gateway: (name) => phoenixPlacement(name, 'nginx'),
  // Traefik watches its dynamic configuration's certificate files: no reload needed.
  traefik: (name) => phoenixPlacement(name),
  // dockerd reads its TLS files only at start; the swarm provider restarts it when it must.
  // The root next to them is dockerd's `tlscacert`: the CA client certificates must chain to.
  docker: () => ({
    ...dirPlacement('/etc/docker/tls', 'server-cert.pem', 'server-key.pem'),
    root: '/etc/docker/tls/ca.pem',
  }),
  portainer: (name) => dirPlacement('/etc/portainer/tls', `${name}.crt`, `${name}.key`),
  default: (name) => dirPlacement('/etc/ssl/phoenix', `${name}.crt`, `${name}.key`),
};

function roles(guest: PkiSourceGuest): string[] {
  return guest.role === undefined ? [] : Array.isArray(guest.role) ? guest.role : [guest.role];
}

function address(guest: PkiSourceGuest): string | undefined {
  return guest.net.find((nic) => nic.ip !== 'dhcp')?.ip.split('/')[0];
}

function target(guest: PkiSourceGuest): TargetRef {
  return { kind: guest.type, node: guest.node, vmid: guest.id };
}

function placementFor(guest: PkiSourceGuest | undefined, name: string): Placement {
  const r = guest ? roles(guest) : [];
  if (r.includes('gateway')) return PLACEMENT.gateway!(name);
  if (r.includes('traefik')) return PLACEMENT.traefik!(name);
  if (r.includes('portainer-server')) return PLACEMENT.portainer!(name);
  return PLACEMENT.default!(name);
}

export function derivePkiResources(source: PkiSource): {
  resources: Resource<CertificateDesired>[];
  diagnostics: Diagnostic[];
} {
  const diagnostics: Diagnostic[] = [];
  const resources: Resource<CertificateDesired>[] = [];
  const stepCa = source.platform?.stepCa;
  const caGuest = source.guests.find((g) => roles(g).includes('step-ca'));
  if (!stepCa && source.certificates.length === 0) return { resources, diagnostics };
  const domain = source.cluster.domain;
  const defaultDuration = stepCa?.defaultDuration ?? '720h';
  const keyType = stepCa?.keyType ?? 'EC-P256';
  const guestAddresses = staticAddresses(source.guests);
  const byRef = (ref: string | number | undefined): PkiSourceGuest | undefined =>
    ref === undefined ? undefined : source.guests.find((g) => g.id === ref || g.name === ref);

  const make = (
    name: string,
    guest: PkiSourceGuest,
    commonName: string,
    extra: string[],
    origin: string,
    placement: Placement,
    options: { duration?: string; renewBefore?: string } = {},
  ): Resource<CertificateDesired> => ({
    address: certificateAddress(name),
    kind: CERTIFICATE_KIND,
    node: guest.node,
    dependsOn: [`guest.${guest.id}`, ...(caGuest ? [`guest.${caGuest.id}`] : [])],
    desired: {
      name,
      target: target(guest),
      commonName,
      sans: [...new Set([commonName, ...extra])],
      keyType,
      duration: options.duration ?? defaultDuration,
      ...(options.renewBefore ? { renewBefore: options.renewBefore } : {}),
      files: { cert: placement.cert, key: placement.key, ...(placement.root ? { root: placement.root } : {}) },
      owner: 'root',
      group: 'root',
      keyMode: '0600',
      certMode: '0644',
      ...(placement.reload ? { reload: { service: placement.reload } } : {}),
      origin,
    },
  });

  const declared = new Set<string>();
  const swarm = source.guests.some((g) => roles(g).includes('swarm-manager') || roles(g).includes('swarm-worker'));
  source.certificates.forEach((cert, index) => {
    declared.add(cert.name);
    const path = `certificates[${index}]`;
    for (const [j, name] of [cert.commonName, ...cert.sans].entries()) {
      if (!nameAllowed(name, domain, guestAddresses)) {
        diagnostics.push({
          severity: 'error',
          code: 'E_CERT_NAME_POLICY',
          message: `${path}${j === 0 ? '.commonName' : `.sans[${j - 1}]`}: ${name} is outside the cluster domain ${domain} and is no guest's address`,
          hint: `the internal CA only issues names under ${domain} (and the guests' own addresses)`,
        });
      }
    }
    // Phoenix's own Docker client certificate: overridden below, on this machine.
    if (cert.name === PHOENIX_DOCKER_CLIENT_CERT) return;
    const guest = byRef(cert.guest);
    if (!guest) {
      if (cert.guest !== undefined) {
        diagnostics.push({ severity: 'error', code: 'E_CERT_GUEST', message: `${path}.guest: no guest ${cert.guest}` });
      } else {
        diagnostics.push({
          severity: 'warning',
          code: 'W_CERT_NO_GUEST',
          message: `${path}: certificate ${cert.name} names no guest: it is not issued`,
        });
      }
      return;
    }
    resources.push(
      make(cert.name, guest, cert.commonName, cert.sans, path, placementFor(guest, cert.name), {
        ...(cert.duration ? { duration: cert.duration } : {}),
        ...(cert.renewBefore ? { renewBefore: cert.renewBefore } : {}),
      }),
    );
  });

  const coveredGuests = new Set(
    resources.map((r) => r.desired.target).map((t) => (t.kind === 'node' || t.kind === 'local' ? -1 : t.vmid)),
  );
  const derive = (role: string, guest: PkiSourceGuest, placement: Placement, skipIfCovered: boolean): void => {
    const name = `${role}-${guest.name}`;
    if (declared.has(name) || (skipIfCovered && coveredGuests.has(guest.id))) return;
    const ip = address(guest);
    resources.push(
      make(
        name,
        guest,
        `${guest.name}.${domain}`,
        ip ? [ip] : [],
        `derived: ${role} of ${guest.name} (${guest.id})`,
        placement,
      ),
    );
  };
  if (stepCa) {
    for (const guest of source.guests) {
      const r = roles(guest);
      // A declared certificate on the gateway/Traefik/Portainer guest is its certificate.
      if (r.includes('gateway')) derive('gateway', guest, PLACEMENT.gateway!(`gateway-${guest.name}`), true);
      if (r.includes('traefik')) derive('traefik', guest, PLACEMENT.traefik!(`traefik-${guest.name}`), true);
      if (r.includes('portainer-server'))
        derive('portainer', guest, PLACEMENT.portainer!(`portainer-${guest.name}`), true);
      if (r.includes('swarm-manager') || r.includes('swarm-worker'))
        derive('docker', guest, PLACEMENT.docker!(guest.name), false);
    }
  }
  if (stepCa && swarm) {
    const index = source.certificates.findIndex((c) => c.name === PHOENIX_DOCKER_CLIENT_CERT);
    const override = source.certificates[index];
    if (override?.guest !== undefined) {
      diagnostics.push({
        severity: 'error',
        code: 'E_CERT_GUEST',
        message: `certificates[${index}].guest: ${PHOENIX_DOCKER_CLIENT_CERT} is Phoenix's own Docker client certificate: it lives on this machine, not in a guest`,
        hint: 'remove guest: (the key is generated here and never leaves this machine)',
      });
    } else {
      resources.push(dockerClientCertificate(source, keyType, defaultDuration, override, index));
    }
  } else if (declared.has(PHOENIX_DOCKER_CLIENT_CERT)) {
    diagnostics.push({
      severity: 'warning',
      code: 'W_CERT_NO_GUEST',
      message: `certificates[${source.certificates.findIndex((c) => c.name === PHOENIX_DOCKER_CLIENT_CERT)}]: ${PHOENIX_DOCKER_CLIENT_CERT} (Phoenix's Docker client certificate) is issued only with a Swarm guest and platform.stepCa: it is not issued`,
    });
  }
  return { resources, diagnostics };
}

/**
 * Phoenix's client certificate for the Swarm guests' Docker Engine APIs (dockerd requires client
 * certificates chained to the internal root): its key is generated on this machine and stays
 * here, under the config directory (key 0600, directory 0700), where the swarm provider's clients
 * read it. A declared certificate of the same name overrides its names and lifetime.
 */
function dockerClientCertificate(
  source: PkiSource,
  keyType: KeyType,
  defaultDuration: string,
  override: PkiSourceCertificate | undefined,
  index: number,
): Resource<CertificateDesired> {
  const name = PHOENIX_DOCKER_CLIENT_CERT;
  const commonName =
    override?.commonName ?? `phoenix${source.environment ? `-${source.environment}` : ''}.${source.cluster.domain}`;
  const files = phoenixCertificateFiles(name, PHOENIX_LOCAL_CERT_DIR);
  return {
    address: certificateAddress(name),
    kind: CERTIFICATE_KIND,
    // No guest: it waits for the CA only (index.ts adds that edge).
    dependsOn: [],
    desired: {
      name,
      target: { kind: 'local' },
      commonName,
      sans: [...new Set([commonName, ...(override?.sans ?? [])])],
      keyType,
      duration: override?.duration ?? defaultDuration,
      ...(override?.renewBefore ? { renewBefore: override.renewBefore } : {}),
      files: { cert: files.fullchain, key: files.key, root: phoenixRootFile(PHOENIX_LOCAL_CERT_DIR) },
      // The user running Phoenix.
      owner: '',
      group: '',
      keyMode: '0600',
      // Everything below .phoenix/ is owner-only (util/owner-only.ts), the certificate too.
      certMode: '0600',
      dirMode: '0700',
      origin: override ? `certificates[${index}]` : "derived: Phoenix's Docker client (Swarm engines' API, clientAuth)",
    },
  };
}
