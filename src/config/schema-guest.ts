/**
 * Guests (LXC containers and VMs) and the `defaults` they inherit. The loader deep-merges
 * `defaults.lxc` / `defaults.vm` under each guest *before* parsing, so a guest schema here
 * describes the merged result; the defaults schemas are the same shapes with every field optional.
 */
import { z } from 'zod';
import {
  GuestRef,
  Hostname,
  Ipv4,
  Ipv4Cidr,
  MacAddress,
  MemoryMiB,
  ResourceName,
  SecretRef,
  SizeGiB,
  Tag,
  Vmid,
} from './schema-common.ts';

export const PLATFORM_ROLES = [
  'step-ca',
  'gateway',
  'traefik',
  'swarm-manager',
  'swarm-worker',
  'portainer-server',
  'portainer-agent',
] as const;
export const PlatformRole = z.enum(PLATFORM_ROLES).describe('a role of the reference platform topology');
export type PlatformRole = z.infer<typeof PlatformRole>;

export const NetInterface = z.strictObject({
  name: z
    .string()
    .regex(/^(eth|net)\d{1,2}$/, { message: 'must be eth0..eth31 (LXC) or net0..net31 (VM)' })
    .describe('interface name: eth0.. for LXC, net0.. for VMs'),
  bridge: z.string().describe('bridge name from network.bridges, e.g. vmbr0'),
  ip: z.union([z.literal('dhcp'), Ipv4Cidr]).describe('"dhcp" or a static address with prefix, e.g. 10.0.0.5/24'),
  gateway: Ipv4.optional().describe('default gateway (static addressing only)'),
  mac: MacAddress.optional(),
  vlan: z.int().min(1).max(4094).optional().describe('VLAN tag'),
  firewall: z.boolean().optional().describe('enable the Proxmox firewall on this interface'),
  model: z.enum(['virtio', 'e1000', 'vmxnet3', 'rtl8139']).optional().describe('NIC model (VMs only)'),
});
export type NetInterface = z.infer<typeof NetInterface>;

export const Disk = z.strictObject({
  storage: z.string().describe('storage id from the storage section'),
  size: SizeGiB,
});
export type Disk = z.infer<typeof Disk>;

export const Snapshot = z.strictObject({
  name: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{1,39}$/, {
    message: 'must start with a letter and hold 2-40 letters, digits, "_" or "-"',
  }),
  description: z.string().optional(),
});
export type Snapshot = z.infer<typeof Snapshot>;

export const FirewallRule = z.strictObject({
  action: z.enum(['ACCEPT', 'DROP', 'REJECT']),
  type: z.enum(['in', 'out']),
  proto: z.enum(['tcp', 'udp', 'icmp', 'icmpv6']).optional(),
  dport: z.union([z.int().min(1).max(65535), z.string().regex(/^\d+([:,]\d+)*$/)]).optional(),
  sport: z.union([z.int().min(1).max(65535), z.string().regex(/^\d+([:,]\d+)*$/)]).optional(),
  source: z.string().optional().describe('address, CIDR or IP set'),
  dest: z.string().optional(),
  comment: z.string().optional(),
  enabled: z.boolean().default(true),
});
export type FirewallRule = z.infer<typeof FirewallRule>;

export const Firewall = z.strictObject({
  enabled: z.boolean().default(true),
  policyIn: z.enum(['ACCEPT', 'DROP', 'REJECT']).default('DROP'),
  policyOut: z.enum(['ACCEPT', 'DROP', 'REJECT']).default('ACCEPT'),
  rules: z.array(FirewallRule).default([]),
});
export type Firewall = z.infer<typeof Firewall>;

export const Startup = z.strictObject({
  order: z.int().min(0).describe('boot order: lower starts first'),
  up: z.int().min(0).optional().describe('seconds to wait after starting'),
  down: z.int().min(0).optional().describe('seconds to wait for shutdown'),
});

export const CloneSource = z.strictObject({
  from: GuestRef.describe('vmid or name of a template (templates section or a guest with isTemplate: true)'),
  snapshot: z.string().optional().describe('clone from this snapshot of a non-template guest'),
  full: z.boolean().default(true).describe('full clone (true) or linked clone (false, templates only)'),
});
export type CloneSource = z.infer<typeof CloneSource>;

/** A mount point: a new volume on a storage, or an NFS export of the `nfs` section. */
export const Mount = z.strictObject({
  path: z.string().regex(/^\/\S*$/, { message: 'must be an absolute path inside the guest' }),
  storage: z.string().optional().describe('storage id for a new volume (with size)'),
  size: SizeGiB.optional(),
  nfs: z.string().optional().describe('name of an export from nfs.exports'),
  readOnly: z.boolean().default(false),
  backup: z.boolean().optional(),
});
export type Mount = z.infer<typeof Mount>;

export const Features = z.strictObject({
  nesting: z.boolean().optional(),
  keyctl: z.boolean().optional(),
  fuse: z.boolean().optional(),
  mknod: z.boolean().optional(),
  mount: z.array(z.string()).optional().describe('allowed filesystem types, e.g. [nfs]'),
});

export const CloudInit = z.strictObject({
  user: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, { message: 'must be a Linux user name' }),
  sshKeys: z
    .array(z.string().regex(/^(ssh-|ecdsa-|sk-)\S+ \S+/, { message: 'must be an OpenSSH public key' }))
    .default([]),
  password: SecretRef.optional(),
  policy: z
    .enum(['restart', 'ignore'])
    .default('restart')
    .describe('what to do when cloud-init changes on a running VM: restart it, or leave it for the next boot'),
});
export type CloudInit = z.infer<typeof CloudInit>;

/**
 * A change that needs a restart is applied with a clean shutdown (ACPI / the container's init),
 * never a power-off, unless the guest does not go down in time and the fallback says so.
 */
export const RestartPolicy = z.strictObject({
  shutdownTimeout: z
    .int()
    .min(1)
    .max(3600)
    .default(180)
    .describe('seconds to wait for the clean shutdown (status/shutdown) before the fallback'),
  fallback: z
    .enum(['stop', 'fail'])
    .default('stop')
    .describe(
      'when the guest has not shut down in time: stop it hard (status/stop), or fail the apply and leave it running',
    ),
});
export type RestartPolicy = z.infer<typeof RestartPolicy>;

/** A guest managed by PVE's HA manager (`/cluster/ha/resources`, sid `vm:<id>` / `ct:<id>`). */
export const HaResource = z.strictObject({
  group: z.string().optional().describe('HA group from host.ha.groups (the nodes the guest may run on)'),
  state: z
    .enum(['started', 'stopped', 'disabled', 'ignored'])
    .default('started')
    .describe('requested HA state (PVE 8.4 `state`)'),
  maxRestart: z.int().min(0).optional().describe('restarts on the same node before relocating (PVE default 1)'),
  maxRelocate: z.int().min(0).optional().describe('relocations to other nodes before giving up (PVE default 1)'),
});
export type HaResource = z.infer<typeof HaResource>;

/** Fields both guest types share. */
const guestCommon = {
  id: Vmid,
  name: ResourceName.describe('guest name (also its hostname)'),
  node: z
    .string()
    .describe(
      'cluster node to place the guest on (defaults to the only node); "auto": placed once by cluster.placement, then kept',
    ),
  template: z.string().optional().describe('name of a template from the templates section'),
  clone: CloneSource.optional(),
  isTemplate: z.boolean().default(false).describe('convert this guest to a template after creation'),
  cores: z.int().min(1).max(8192).default(1),
  memory: MemoryMiB.default(512),
  disk: Disk.optional(),
  net: z.array(NetInterface).default([]),
  nameserver: z.string().optional().describe('DNS servers, space separated'),
  searchdomain: Hostname.optional(),
  onboot: z.boolean().default(true),
  startup: Startup.optional(),
  tags: z.array(Tag).default([]),
  description: z.string().optional(),
  snapshots: z.array(Snapshot).default([]),
  firewall: Firewall.optional(),
  dependsOn: z.array(GuestRef).default([]).describe('guests that must be up before this one'),
  wait: z
    .boolean()
    .optional()
    .describe(
      "true: apply waits until the guest is healthy (a VM's guest agent answers) even when nothing depends on it; otherwise status reports its health",
    ),
  protected: z
    .boolean()
    .default(false)
    .describe('Proxmox protection flag: PVE then refuses to delete the guest (Phoenix sets it, never clears it)'),
  restart: RestartPolicy.optional().describe(
    'how a change that needs a restart restarts the running guest (default: clean shutdown, 180 s, then stop)',
  ),
  role: z
    .union([PlatformRole, z.array(PlatformRole)])
    .optional()
    .describe('platform role(s) this guest plays'),
  mounts: z.array(Mount).default([]),
  ha: HaResource.optional().describe(
    "PVE HA: the cluster's HA manager restarts or relocates the guest when its node fails; Phoenix follows it",
  ),
  inheritDefaults: z
    .boolean()
    .default(true)
    .describe('false: take nothing from defaults.<type> (an imported guest states its own values)'),
};

export const LxcGuest = z.strictObject({
  ...guestCommon,
  type: z.literal('lxc'),
  swap: z.int().min(0).default(512).describe('swap in MiB'),
  unprivileged: z.boolean().default(true),
  features: Features.optional(),
  ostype: z.string().optional(),
  password: SecretRef.optional().describe('root password (reference)'),
  sshKeys: z.array(z.string()).default([]).describe('SSH public keys for root'),
});
export type LxcGuest = z.infer<typeof LxcGuest>;

export const VmGuest = z.strictObject({
  ...guestCommon,
  type: z.literal('vm'),
  cloudInit: CloudInit.optional(),
  agent: z.boolean().default(true).describe('QEMU guest agent'),
  cpuType: z.string().default('host'),
  bios: z.enum(['seabios', 'ovmf']).default('seabios'),
  machine: z.string().optional(),
  ostype: z.string().optional(),
});
export type VmGuest = z.infer<typeof VmGuest>;

export const Guest = z.discriminatedUnion('type', [LxcGuest, VmGuest]);
export type Guest = z.infer<typeof Guest>;

/** Values guests inherit: any guest field except identity. Deep-merged, lists replace. */
export const Defaults = z.strictObject({
  lxc: LxcGuest.omit({ id: true, name: true, type: true }).partial().optional(),
  vm: VmGuest.omit({ id: true, name: true, type: true }).partial().optional(),
});
export type Defaults = z.infer<typeof Defaults>;

/** Normalised roles of a guest (the field accepts one role or a list). */
export function guestRoles(guest: Guest): PlatformRole[] {
  if (guest.role === undefined) return [];
  return Array.isArray(guest.role) ? guest.role : [guest.role];
}
