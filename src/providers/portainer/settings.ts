/**
 * What the portainer provider reads from the config: `platform.portainer` and the guests whose
 * roles are `portainer-server` (one, on the Swarm manager) and `portainer-agent`.
 */
import { posix } from 'node:path';
import type { PhoenixConfig } from '../../config/schema.ts';
import type { CertificateDesired } from '../pki/certificate-handler.ts';
import { CERTIFICATE_KIND, derivePki } from '../pki/index.ts';

export const DEFAULT_PORTAINER_VERSION = '2.21.4';
export const AGENT_PORT = 9001;
/** The Swarm stack namespace Portainer is deployed under (`docker stack ls` shows it). */
export const PORTAINER_NAMESPACE = 'portainer';
/** Name of the Swarm environment registered in Portainer. */
export const ENVIRONMENT_NAME = 'swarm';
/** Where the PKI provider installs the server's certificate on the portainer-server guest. */
export const SERVER_TLS_DIR = '/etc/portainer/tls';
/** Where the PKI provider installs each Swarm node's Docker certificate (the agent reuses it). */
export const NODE_TLS_DIR = '/etc/docker/tls';

export interface PortainerGuest {
  vmid: number;
  name: string;
  /** Static address of its first interface (where Portainer and the agent are reached). */
  ip: string;
  node?: string;
}

/** A certificate the PKI provider installs in a guest: its resource address and file paths. */
export interface InstalledCertificate {
  address: string;
  cert: string;
  key: string;
}

export interface PortainerSettings {
  version: string;
  /** The server's HTTPS certificate on its guest (the one the PKI provider places under /etc/portainer/tls). */
  serverCertificate: InstalledCertificate;
  /** Each agent guest's Docker certificate (the agent serves TLS with it). */
  agentCertificates: InstalledCertificate[];
  edition: 'ce' | 'be';
  port: number;
  adminPassword?: string;
  server: PortainerGuest;
  agents: PortainerGuest[];
  domain?: string;
}

type Guest = PhoenixConfig['guests'][number];

function roles(guest: Guest): string[] {
  const role = (guest as { role?: string | string[] }).role;
  return role === undefined ? [] : Array.isArray(role) ? role : [role];
}

function toGuest(guest: Guest): PortainerGuest | undefined {
  const ip = (guest.net ?? []).find((n) => n.ip !== undefined && n.ip !== 'dhcp')?.ip?.split('/')[0];
  if (!ip) return undefined;
  const node = (guest as { node?: string }).node;
  return { vmid: guest.id, name: guest.name, ip, ...(node ? { node } : {}) };
}

/** Undefined when nothing about Portainer is declared. Problems (no static address) are returned. */
export function portainerSettings(config: PhoenixConfig): { settings?: PortainerSettings; problems: string[] } {
  // `problems` is returned fresh each call: callers may add their own.
  const section = config.platform?.portainer;
  const serverGuest = config.guests.find((g) => roles(g).includes('portainer-server'));
  if (!section && !serverGuest) return { problems: [] };
  if (!serverGuest) return { problems: ['platform.portainer is declared but no guest has the role portainer-server'] };
  const server = toGuest(serverGuest);
  if (!server)
    return { problems: [`guest ${serverGuest.name} (portainer-server) needs a static address on its first interface`] };
  const agents = config.guests
    .filter((g) => roles(g).includes('portainer-agent') || roles(g).includes('portainer-server'))
    .map(toGuest)
    .filter((g): g is PortainerGuest => g !== undefined);
  const certs = derivePki(config)
    .resources.filter((r) => r.kind === CERTIFICATE_KIND)
    .map((r) => ({ address: r.address, desired: r.desired as CertificateDesired }));
  const installed = (vmid: number, dir: string): InstalledCertificate | undefined => {
    const c = certs.find(
      (x) =>
        'vmid' in x.desired.target && x.desired.target.vmid === vmid && posix.dirname(x.desired.files.cert) === dir,
    );
    return c ? { address: c.address, cert: c.desired.files.cert, key: c.desired.files.key } : undefined;
  };
  const serverCertificate = installed(server.vmid, SERVER_TLS_DIR);
  if (!serverCertificate)
    return {
      problems: [
        `guest ${server.name} (portainer-server) has no certificate for Portainer: declare platform.stepCa (it issues one under ${SERVER_TLS_DIR})`,
      ],
    };
  const agentCertificates: InstalledCertificate[] = [];
  for (const agent of agents) {
    const cert = installed(agent.vmid, NODE_TLS_DIR);
    if (!cert)
      return {
        problems: [
          `guest ${agent.name} runs the Portainer agent but has no Docker certificate (role swarm-manager or swarm-worker)`,
        ],
      };
    agentCertificates.push(cert);
  }
  const s = section as { version?: string; edition?: 'ce' | 'be'; port?: number; adminPassword?: string } | undefined;
  return {
    settings: {
      version: s?.version ?? DEFAULT_PORTAINER_VERSION,
      serverCertificate,
      agentCertificates,
      edition: s?.edition ?? 'ce',
      port: s?.port ?? 9443,
      ...(s?.adminPassword ? { adminPassword: s.adminPassword } : {}),
      server,
      agents,
      ...(config.cluster?.domain ? { domain: config.cluster.domain } : {}),
    },
    problems: [],
  };
}
