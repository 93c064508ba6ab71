/**
 * The least-privilege role of Phoenix's own API token, derived (never hand-written) from the
 * calls Phoenix makes (`api-calls.ts`) and the permission check PVE's API schema states for
 * each of them. Grants on `/` with propagation cover every templated path (`/vms/{vmid}`,
 * `/storage/{storage}`), so the result is one role and one ACL entry.
 */
import type { ApiCall } from './api-calls.ts';

/** The `permissions` object of one endpoint in the PVE API schema. */
export interface EndpointPermissions {
  check?: unknown[];
  user?: string;
}

/**
 * Endpoints open to every user (`user: all`) that filter what they list by privilege; without
 * these the list comes back empty and Phoenix would see nothing (PVE API descriptions).
 */
const LIST_FILTERS: Record<string, string[]> = {
  'GET /storage': ['Datastore.Audit'],
  'GET /pools': ['Pool.Audit'],
  'GET /access/users': ['Sys.Audit'],
  // 'GET /access/acl' lists only entries on paths where the caller holds Permissions.Modify: the
  // least-privilege token sees none, by design (it must not be able to change any).
  'GET /cluster/resources': ['VM.Audit', 'Datastore.Audit', 'Sys.Audit'],
  'GET /nodes/{node}/storage': ['Datastore.Audit'],
};

const VM_CONFIG = [
  'VM.Config.CPU',
  'VM.Config.Memory',
  'VM.Config.Options',
  'VM.Config.HWType',
  'VM.Config.Network',
  'VM.Config.Disk',
  'VM.Config.Cloudinit',
  'VM.Config.CDROM',
];
const GUEST_WRITE = [...VM_CONFIG, 'Datastore.AllocateSpace', 'SDN.Use'];

/**
 * Checks PVE makes in code rather than in the schema: creating or configuring a guest needs the
 * `VM.Config.*` privilege of every key it sets, space on the storages (`Datastore.AllocateSpace`)
 * and the bridges (`SDN.Use` on the local zone); cloning allocates space too.
 */
const CODE_CHECKS: Record<string, string[]> = {
  'POST /nodes/{node}/lxc': GUEST_WRITE,
  'POST /nodes/{node}/qemu': GUEST_WRITE,
  'PUT /nodes/{node}/lxc/{vmid}/config': GUEST_WRITE,
  'POST /nodes/{node}/qemu/{vmid}/config': GUEST_WRITE,
  'PUT /nodes/{node}/qemu/{vmid}/config': GUEST_WRITE,
  'POST /nodes/{node}/lxc/{vmid}/clone': ['Datastore.AllocateSpace'],
  'POST /nodes/{node}/qemu/{vmid}/clone': ['Datastore.AllocateSpace'],
  'PUT /nodes/{node}/lxc/{vmid}/resize': ['Datastore.AllocateSpace'],
  'PUT /nodes/{node}/qemu/{vmid}/resize': ['Datastore.AllocateSpace'],
  // Schema note: "Requires additionally 'Datastore.Allocate' on /storage when setting 'add_storage'".
  'POST /nodes/{node}/disks/zfs': ['Datastore.Allocate'],
};

/** Privileges one check expression needs: every branch of `and`, the first usable one of `or`. */
export function privilegesOfCheck(check: unknown[]): string[] {
  const [kind, ...args] = check;
  switch (kind) {
    case 'and':
      return args.flatMap((sub) => privilegesOfCheck(sub as unknown[]));
    case 'or': {
      // `self` branches do not hold for a token (it is never the plain user): take the next one.
      for (const sub of args) {
        const s = sub as unknown[];
        if (s[0] === 'userid-param' && s[1] === 'self') continue;
        return privilegesOfCheck(s);
      }
      return [];
    }
    case 'perm': {
      const [, privs, ...rest] = args as [string, string[], ...unknown[]];
      const any = rest.some((value, i) => value === 'any' && Boolean(rest[i + 1]));
      return any ? privs.slice(0, 1) : [...privs];
    }
    case 'perm-modify':
      return ['Permissions.Modify'];
    case 'userid-param':
      return args[0] === 'self' ? [] : [String(args[0])];
    case 'userid-group':
      return ((args[0] as string[]) ?? []).slice(0, 1);
    default:
      return [];
  }
}

/**
 * Privileges that let a token change who may do what (its own rights included). The derived
 * role must never contain them; `phoenixAccess` refuses to print a role that does.
 */
export const ESCALATING_PRIVILEGES = [
  'Permissions.Modify',
  'User.Modify',
  'Realm.Allocate',
  'Realm.AllocateUser',
  'Group.Allocate',
] as const;

export interface RequiredPrivileges {
  privileges: string[];
  /** Calls the schema does not know (a bug in api-calls.ts). */
  unknown: string[];
}

export function requiredPrivileges(
  calls: readonly ApiCall[],
  lookup: (method: string, route: string) => EndpointPermissions | undefined | null,
): RequiredPrivileges {
  const privileges = new Set<string>();
  const unknown: string[] = [];
  for (const call of calls) {
    const key = `${call.method} ${call.route}`;
    const permissions = lookup(call.method, call.route);
    if (permissions === undefined) {
      unknown.push(key);
      continue;
    }
    for (const p of permissions?.check ? privilegesOfCheck(permissions.check) : []) privileges.add(p);
    for (const p of [...(LIST_FILTERS[key] ?? []), ...(CODE_CHECKS[key] ?? [])]) privileges.add(p);
  }
  return { privileges: [...privileges].sort(), unknown };
}
