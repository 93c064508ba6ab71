/**
 * The `host` section: what Phoenix manages on the Proxmox host through the API besides bridges
 * and storages (those keep their own top-level sections): host firewall (cluster and node level,
 * security groups, IP sets, aliases), resource pools, roles, users, API tokens and ACLs.
 * Owned by the pve-host provider (src/providers/pve-host); added as one optional section.
 */
import { z } from 'zod';
import { FirewallRule } from './schema-guest.ts';
import { hinted, SecretRef } from './schema-common.ts';

const FwName = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{1,19}$/, {
  message: hinted('must be 2-20 letters, digits, "-" or "_", starting with a letter', 'PVE limits firewall names'),
});

/** A host firewall rule may also name a security group (`type: group`). */
export const HostFirewallRule = z.union([
  FirewallRule,
  z.strictObject({
    type: z.literal('group'),
    group: FwName.describe('security group from host.firewall.groups'),
    iface: z.string().optional(),
    comment: z.string().optional(),
    enabled: z.boolean().default(true),
  }),
]);
export type HostFirewallRule = z.infer<typeof HostFirewallRule>;

const FirewallLevel = z.strictObject({
  enabled: z.boolean().optional().describe('firewall on/off at this level (unset: left as is)'),
  policyIn: z.enum(['ACCEPT', 'DROP', 'REJECT']).optional(),
  policyOut: z.enum(['ACCEPT', 'DROP', 'REJECT']).optional(),
  rules: z.array(HostFirewallRule).default([]),
});

export const HostFirewall = z.strictObject({
  cluster: FirewallLevel.optional().describe('datacenter firewall: options and rules'),
  nodes: z
    .array(FirewallLevel.omit({ policyIn: true, policyOut: true }).extend({ node: z.string() }))
    .default([])
    .describe('node firewall: enable flag and rules per node'),
  groups: z
    .array(z.strictObject({ name: FwName, comment: z.string().optional(), rules: z.array(FirewallRule).default([]) }))
    .default([]),
  ipsets: z
    .array(z.strictObject({ name: FwName, comment: z.string().optional(), cidrs: z.array(z.string()).default([]) }))
    .default([]),
  aliases: z.array(z.strictObject({ name: FwName, cidr: z.string(), comment: z.string().optional() })).default([]),
});
export type HostFirewall = z.infer<typeof HostFirewall>;

const UserId = z.string().regex(/^[^\s:/@!]+@[A-Za-z][A-Za-z0-9.-]+$/, {
  message: hinted('must be a user id "name@realm"', 'e.g. "phoenix@pve"'),
});

export const HostUser = z.strictObject({
  id: UserId,
  comment: z.string().optional(),
  email: z.string().optional(),
  enabled: z.boolean().default(true),
});

export const HostToken = z.strictObject({
  user: UserId,
  name: z.string().regex(/^[A-Za-z][A-Za-z0-9._-]+$/, { message: 'must be a token name like "gitops"' }),
  comment: z.string().optional(),
  privsep: z.boolean().default(true).describe('privilege separation: the token only has its own ACLs'),
  secret: SecretRef.refine((r) => r.startsWith('file:'), {
    message: hinted(
      'the token secret is written on creation, so it must be a file: reference',
      'e.g. file:secrets/pve-token',
    ),
  }).describe('where the secret returned on creation is stored (file: reference, written once)'),
});

export const HostAcl = z
  .strictObject({
    path: z.string().regex(/^\/[\w/.-]*$/, { message: 'must be an ACL path like / or /vms/101' }),
    role: z.string(),
    user: UserId.optional(),
    token: z
      .string()
      .regex(/^[^\s@!]+@[^\s@!]+![A-Za-z][A-Za-z0-9._-]*$/)
      .optional(),
    propagate: z.boolean().default(true),
  })
  .refine((a) => Boolean(a.user) !== Boolean(a.token), {
    message: hinted('an ACL entry needs exactly one of user or token', 'token ids look like "phoenix@pve!gitops"'),
  });

/** A ZFS pool created through `POST /nodes/{node}/disks/zfs` (never destroyed or altered). */
export const HostZfsPool = z
  .strictObject({
    node: z.string().describe('node the disks are in'),
    name: z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]*$/, { message: 'must be a pool name like "tank"' }),
    devices: z
      .array(z.string().regex(/^(\/dev\/)?[A-Za-z0-9/_.-]+$/, { message: 'must be a block device like /dev/sdb' }))
      .min(1)
      .describe('unused block devices, e.g. [/dev/sdb, /dev/sdc]'),
    raidlevel: z.enum(['single', 'mirror', 'raid10', 'raidz', 'raidz2', 'raidz3']),
    ashift: z.number().int().min(9).max(16).optional().describe('sector size exponent (PVE default 12)'),
    compression: z.enum(['on', 'off', 'gzip', 'lz4', 'lzjb', 'zle', 'zstd']).optional(),
    addStorage: z
      .boolean()
      .optional()
      .describe('let PVE add a zfspool storage named like the pool (or declare it under storage instead)'),
  })
  .refine(
    (p) => {
      const n = p.devices.length;
      const min = { single: 1, mirror: 2, raid10: 4, raidz: 3, raidz2: 4, raidz3: 5 }[p.raidlevel];
      return n >= min && (p.raidlevel !== 'single' || n === 1) && (p.raidlevel !== 'raid10' || n % 2 === 0);
    },
    {
      message: hinted(
        'the device count does not fit the raid level',
        'single: 1, mirror: 2+, raid10: an even 4+, raidz: 3+, raidz2: 4+, raidz3: 5+',
      ),
    },
  );

/** A PVE HA group (`/cluster/ha/groups`): the nodes its guests may run on, with priorities. */
export const HaGroup = z.strictObject({
  name: z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{1,39}$/, {
    message: hinted('must be 2-40 letters, digits, ".", "_" or "-", starting with a letter', 'e.g. "prefer-pve1"'),
  }),
  nodes: z
    .array(z.union([z.string(), z.strictObject({ node: z.string(), priority: z.int().min(0).max(1000) })]))
    .min(1)
    .describe('member nodes, optionally with a priority (higher runs first)'),
  restricted: z.boolean().default(false).describe('guests may only run on the member nodes'),
  nofailback: z.boolean().default(false).describe('do not move a guest back when a higher-priority node returns'),
  comment: z.string().optional(),
});
export type HaGroup = z.infer<typeof HaGroup>;

export const Host = z.strictObject({
  zfs: z.array(HostZfsPool).default([]).describe('ZFS pools: created when missing, never destroyed or altered'),
  firewall: HostFirewall.optional(),
  pools: z
    .array(z.strictObject({ id: z.string().regex(/^[A-Za-z0-9_-]+$/), comment: z.string().optional() }))
    .default([]),
  roles: z
    .array(
      z.strictObject({ id: z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]*$/), privileges: z.array(z.string()).min(1) }),
    )
    .default([]),
  users: z.array(HostUser).default([]),
  tokens: z.array(HostToken).default([]),
  acl: z.array(HostAcl).default([]),
  ha: z
    .strictObject({ groups: z.array(HaGroup).default([]) })
    .prefault({})
    .describe('PVE HA groups (guests name one in ha.group)'),
});
export type Host = z.infer<typeof Host>;
