/**
 * The slice of the Phoenix config the node provider derives DNS and NFS from. Structural on
 * purpose: `PhoenixConfig` (src/config/schema.ts) satisfies it, and the provider does not import
 * the config layer above it (ARCHITECTURE: imports point down).
 */

export interface SourceGuest {
  id: number;
  name: string;
  node: string;
  net: { ip: string }[];
  role?: string | string[];
  mounts: { path: string; nfs?: string; readOnly: boolean }[];
}

export interface NodeSource {
  cluster: { domain: string; nodes: { name: string; address?: string }[] };
  guests: SourceGuest[];
  routes: { host: string }[];
  dns: { records: { name: string; type: 'A' | 'CNAME'; value: string }[] };
  nfs: { exports: { name: string; node?: string; path: string; clients: string[]; options: string[] }[] };
  /** The environment's identity, named in the header of every file Phoenix writes on a node. */
  environment?: string;
}

/** The guest's first static IPv4 address (without prefix), or undefined for DHCP-only guests. */
export function guestAddress(guest: SourceGuest): string | undefined {
  const first = guest.net.find((nic) => nic.ip !== 'dhcp');
  return first?.ip.split('/')[0];
}

export function hasRole(guest: SourceGuest, role: string): boolean {
  return Array.isArray(guest.role) ? guest.role.includes(role) : guest.role === role;
}
