/**
 * PVE 8.4 privileges and built-in roles (pve-access-control `AccessControl.pm` privilege
 * groups: each group has root / admin / user / audit privileges; the built-in roles are unions
 * of those levels). Built-in roles are `special` and cannot be changed.
 */

const GROUPS = {
  VM: {
    root: [],
    admin: ['VM.Config.HWType', 'VM.Config.Options', 'VM.Allocate', 'VM.Clone', 'VM.Migrate', 'VM.Snapshot.Rollback'],
    user: [
      'VM.Config.CDROM',
      'VM.Config.CPU',
      'VM.Config.Memory',
      'VM.Config.Disk',
      'VM.Config.Network',
      'VM.Config.Cloudinit',
      'VM.PowerMgmt',
      'VM.Console',
      'VM.Backup',
      'VM.Snapshot',
      'VM.Monitor',
    ],
    audit: ['VM.Audit'],
  },
  Sys: {
    root: ['Sys.PowerMgmt', 'Sys.Modify', 'Sys.Incoming', 'Sys.AccessNetwork', 'Permissions.Modify'],
    admin: ['Sys.Console', 'Sys.Syslog'],
    user: [],
    audit: ['Sys.Audit'],
  },
  Datastore: {
    root: [],
    admin: ['Datastore.Allocate', 'Datastore.AllocateTemplate'],
    user: ['Datastore.AllocateSpace'],
    audit: ['Datastore.Audit'],
  },
  SDN: { root: [], admin: ['SDN.Allocate'], user: ['SDN.Use'], audit: ['SDN.Audit'] },
  User: {
    root: ['Realm.Allocate'],
    admin: ['User.Modify', 'Group.Allocate', 'Realm.AllocateUser'],
    user: [],
    audit: [],
  },
  Pool: { root: [], admin: ['Pool.Allocate'], user: [], audit: ['Pool.Audit'] },
  Mapping: { root: [], admin: ['Mapping.Modify'], user: ['Mapping.Use'], audit: ['Mapping.Audit'] },
} as const satisfies Record<string, Record<'root' | 'admin' | 'user' | 'audit', readonly string[]>>;

type Group = keyof typeof GROUPS;
type Level = 'root' | 'admin' | 'user' | 'audit';

function levels(group: Group, ...wanted: Level[]): string[] {
  return wanted.flatMap((level) => [...GROUPS[group][level]]);
}

const ALL_GROUPS = Object.keys(GROUPS) as Group[];

export const ALL_PRIVILEGES: readonly string[] = ALL_GROUPS.flatMap((g) => levels(g, 'root', 'admin', 'user', 'audit'));

export const BUILTIN_ROLES: Readonly<Record<string, readonly string[]>> = {
  Administrator: ALL_PRIVILEGES,
  NoAccess: [],
  PVEAdmin: ALL_GROUPS.flatMap((g) => levels(g, 'admin', 'user', 'audit')),
  PVEAuditor: ALL_GROUPS.flatMap((g) => levels(g, 'audit')),
  PVEVMAdmin: levels('VM', 'admin', 'user', 'audit'),
  PVEVMUser: levels('VM', 'user', 'audit'),
  PVETemplateUser: ['VM.Clone', 'VM.Audit'],
  PVEUserAdmin: [...levels('User', 'admin', 'user', 'audit'), 'Sys.Audit'],
  PVEPoolAdmin: levels('Pool', 'admin', 'user', 'audit'),
  PVEPoolUser: levels('Pool', 'user', 'audit'),
  PVEDatastoreAdmin: levels('Datastore', 'admin', 'user', 'audit'),
  PVEDatastoreUser: levels('Datastore', 'user', 'audit'),
  PVESysAdmin: levels('Sys', 'admin', 'user', 'audit'),
  PVESDNAdmin: levels('SDN', 'admin', 'user', 'audit'),
  PVESDNUser: levels('SDN', 'user', 'audit'),
  PVEMappingAdmin: levels('Mapping', 'admin', 'user', 'audit'),
  PVEMappingUser: levels('Mapping', 'user', 'audit'),
};

export function isPrivilege(name: string): boolean {
  return ALL_PRIVILEGES.includes(name);
}
