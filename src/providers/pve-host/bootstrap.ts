/**
 * What Phoenix needs on a real Proxmox VE before its first run, as data (`phoenix init` renders
 * it): the least-privilege role (from `privileges.ts`), the ACL entries, the `pveum` commands
 * that create user, role, token and ACL, and the config files that keep them declared.
 */
import { GUEST_API_CALLS, HOST_API_CALLS } from './api-calls.ts';
import { ESCALATING_PRIVILEGES, requiredPrivileges, type EndpointPermissions } from './privileges.ts';
import { LEASE_API_CALLS } from './target-lease.ts';

/** Below this path PVE keeps users, groups, realms, roles and ACLs. */
export const ACCESS_PATH = '/access';
/** Built-in read-only role: lists users and tokens there, changes nothing. */
export const ACCESS_ROLE = 'PVEAuditor';

export interface BootstrapOptions {
  user: string;
  token: string;
  role: string;
}

export interface PhoenixAccess {
  role: string;
  privileges: string[];
  tokenId: string;
  /**
   * Both the user and its privilege-separated token need each grant (PVE intersects them). The
   * role on `/` is replaced below `/access` by the read-only PVEAuditor: a more specific ACL
   * entry overrides an inherited one, so nothing that governs rights is writable by Phoenix.
   */
  acl: { path: string; role: string; type: 'user' | 'token'; ugid: string; propagate: boolean }[];
  commands: string[];
}

function shellQuote(value: string): string {
  return /^[\w@.,/:=-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

export function phoenixAccess(
  options: BootstrapOptions,
  lookup: (method: string, route: string) => EndpointPermissions | undefined | null,
): PhoenixAccess {
  const { privileges, unknown } = requiredPrivileges(
    [...HOST_API_CALLS, ...GUEST_API_CALLS, ...LEASE_API_CALLS],
    lookup,
  );
  if (unknown.length > 0) throw new Error(`api-calls.ts names endpoints the PVE schema lacks: ${unknown.join(', ')}`);
  const widening = privileges.filter((p) => (ESCALATING_PRIVILEGES as readonly string[]).includes(p));
  if (widening.length > 0)
    throw new Error(`the derived role would let Phoenix widen its own rights: ${widening.join(', ')}`);
  const tokenId = `${options.user}!${options.token}`;
  const acl = [
    { path: '/', role: options.role, type: 'user' as const, ugid: options.user, propagate: true },
    { path: '/', role: options.role, type: 'token' as const, ugid: tokenId, propagate: true },
    { path: ACCESS_PATH, role: ACCESS_ROLE, type: 'user' as const, ugid: options.user, propagate: true },
    { path: ACCESS_PATH, role: ACCESS_ROLE, type: 'token' as const, ugid: tokenId, propagate: true },
  ];
  const q = shellQuote;
  return {
    role: options.role,
    privileges,
    tokenId,
    acl,
    commands: [
      `pveum role add ${q(options.role)} --privs ${q(privileges.join(','))}`,
      `pveum user add ${q(options.user)} --comment phoenix`,
      `pveum acl modify / --users ${q(options.user)} --roles ${q(options.role)} --propagate 1`,
      `pveum acl modify ${ACCESS_PATH} --users ${q(options.user)} --roles ${ACCESS_ROLE} --propagate 1`,
      `pveum user token add ${q(options.user)} ${q(options.token)} --privsep 1 --comment phoenix --output-format json`,
      `pveum acl modify / --tokens ${q(tokenId)} --roles ${q(options.role)} --propagate 1`,
      `pveum acl modify ${ACCESS_PATH} --tokens ${q(tokenId)} --roles ${ACCESS_ROLE} --propagate 1`,
    ],
  };
}

/** Editors validate the files against the schema `phoenix init --scaffold` writes beside them. */
const MODELINE = '# yaml-language-server: $schema=./phoenix.schema.json';

/** The files `phoenix init --scaffold` writes: a starting config and the host section that keeps Phoenix's own access declared. */
export function scaffoldFiles(access: PhoenixAccess, options: BootstrapOptions): Record<string, string> {
  const privs = access.privileges.map((p) => `        - ${p}`).join('\n');
  return {
    'phoenix.yaml': `${MODELINE}
# Phoenix config: every *.yaml file in this directory is part of it (lists are concatenated).
version: 1

# Without this section Phoenix uses its built-in simulator.
# proxmox:
#   endpoint: https://pve.example:8006
#   tokenId: ${access.tokenId}
#   tokenSecret: env:PHOENIX_TOKEN_SECRET
#   tls: { fingerprint: "AB:CD:..." }

cluster:
  domain: home.arpa
  nodes:
    - name: pve

network:
  bridges: []

storage: []

guests: []
`,
    'host.yaml': `${MODELINE}
# Phoenix's own access, as \`phoenix init\` printed it. Phoenix never changes its own role, user,
# token or ACL entries (it could widen its own rights): it only reports when they differ from this.
host:
  roles:
    - id: ${access.role}
      privileges:
${privs}
  users:
    - id: ${options.user}
      comment: Phoenix GitOps
  tokens:
    - user: ${options.user}
      name: ${options.token}
      comment: Phoenix GitOps
      secret: file:.phoenix/secrets/pve-token
  acl:
    - { path: /, role: ${access.role}, user: ${options.user} }
    - { path: /, role: ${access.role}, token: "${access.tokenId}" }
    - { path: ${ACCESS_PATH}, role: ${ACCESS_ROLE}, user: ${options.user} }
    - { path: ${ACCESS_PATH}, role: ${ACCESS_ROLE}, token: "${access.tokenId}" }
`,
  };
}
