/**
 * The Phoenix config schema: one zod definition that yields the TypeScript types the rest of
 * Phoenix builds on and the JSON Schema editors use (`phoenix schema`). This is the public
 * contract of src/config; fields are only ever added (optional) so configs keep validating.
 *
 * Two views of the root: `PhoenixFile` is what one YAML file may hold (every section optional,
 * used for the JSON Schema), `PhoenixConfig` is the merged, defaulted result of a config dir.
 */
import { z } from 'zod';
import {
  hinted,
  Checksum,
  Hostname,
  Ipv4,
  Ipv4Cidr,
  MemoryMiB,
  SecretRef,
  ResourceName,
  GuestRef,
  Vmid,
} from './schema-common.ts';
import { Defaults, Guest } from './schema-guest.ts';
import { Certificate, Dns, Platform, Route, Stack } from './schema-platform.ts';
import { Host } from './schema-host.ts';
import { Gitops } from './schema-gitops.ts';

export * from './schema-common.ts';
export * from './schema-guest.ts';
export * from './schema-platform.ts';
export * from './schema-host.ts';
export * from './schema-gitops.ts';

export const Tls = z
  .strictObject({
    caFile: z.string().optional().describe('PEM CA bundle to verify the endpoint, relative to the config dir'),
    fingerprint: z
      .string()
      .regex(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/i, {
        message: hinted(
          'must be a SHA-256 fingerprint: 32 hex pairs separated by ":"',
          'get it with `openssl x509 -in cert.pem -noout -fingerprint -sha256`',
        ),
      })
      .optional()
      .describe('SHA-256 fingerprint of the endpoint certificate (pinning)'),
  })
  .refine((t) => !(t.caFile && t.fingerprint), {
    message: hinted('set caFile or fingerprint, not both', 'keep one way of verifying the endpoint'),
  });

export const Ssh = z.strictObject({
  user: z.string().default('root'),
  port: z.int().min(1).max(65535).default(22),
  privateKey: SecretRef.describe('private key (reference)'),
  knownHosts: z.string().optional().describe('known_hosts file, relative to the config dir'),
  hostKeyFingerprint: z
    .string()
    .regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/, {
      message: hinted(
        'must be an OpenSSH SHA-256 fingerprint like SHA256:abc...',
        'get it with `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`',
      ),
    })
    .optional(),
});
export type Ssh = z.infer<typeof Ssh>;

/** Connection to a real Proxmox VE; absent means the built-in simulator. */
export const ProxmoxConnection = z.strictObject({
  endpoint: z.url({ protocol: /^https?$/, message: 'must be a URL like https://pve.example:8006' }),
  tokenId: z.string().regex(/^[^\s@!]+@[^\s@!]+![A-Za-z][A-Za-z0-9._-]+$/, {
    message: hinted(
      'must be an API token id "user@realm!name"',
      'e.g. "phoenix@pve!gitops" (Datacenter > Permissions > API Tokens)',
    ),
  }),
  tokenSecret: SecretRef,
  tls: Tls.optional().describe('how to verify TLS; default: the system CA store'),
  ssh: Ssh.optional().describe('shell access to the nodes (pct exec, dnsmasq, NFS)'),
  connectTimeout: z
    .number()
    .positive()
    .max(300)
    .optional()
    .describe('seconds to wait for the TCP connection and TLS handshake to the API (default 5)'),
});
export type ProxmoxConnection = z.infer<typeof ProxmoxConnection>;

export const Node = z.strictObject({
  name: z.string().regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/i, { message: 'must be a node host name' }),
  address: Ipv4.optional(),
  cores: z.int().min(1).optional().describe('capacity: CPU cores available to guests'),
  memory: MemoryMiB.optional().describe('capacity: memory in MiB available to guests'),
});
export type Node = z.infer<typeof Node>;

/** How guests declared with `node: auto` are placed (config/placement.ts). */
export const Placement = z.strictObject({
  policy: z
    .enum(['spread', 'pack'])
    .default('spread')
    .describe('spread: the least used node (by declared memory, then cores); pack: the fullest node that still fits'),
  antiAffinity: z
    .array(
      z.strictObject({
        name: ResourceName,
        guests: z.array(GuestRef).min(2).describe('guests (ids or names) that never share a node'),
      }),
    )
    .default([])
    .describe('groups of guests placed on different nodes, e.g. the Swarm manager and its worker'),
});
export type Placement = z.infer<typeof Placement>;

export const Cluster = z.strictObject({
  domain: Hostname.default('home.arpa').describe('internal DNS domain'),
  nodes: z.array(Node).default([]),
  placement: Placement.prefault({}).describe('where guests with `node: auto` go (decided once, then recorded)'),
});
export type Cluster = z.infer<typeof Cluster>;

export const Bridge = z.strictObject({
  name: z.string().regex(/^vmbr\d{1,4}$/, {
    message: 'must be a Proxmox bridge name vmbr0..vmbr9999',
  }),
  node: z.string().optional().describe('node the bridge lives on (default: every node)'),
  cidr: Ipv4Cidr.describe("the host's address on the bridge with prefix, e.g. 10.0.0.1/24"),
  gateway: Ipv4.optional(),
  vlanAware: z.boolean().default(false),
  ports: z.array(z.string()).default([]).describe('physical ports, e.g. [eno1]'),
  comment: z.string().optional(),
});
export type Bridge = z.infer<typeof Bridge>;

export const Network = z.strictObject({ bridges: z.array(Bridge).default([]) });

export const STORAGE_CONTENT = ['images', 'rootdir', 'vztmpl', 'iso', 'backup', 'snippets', 'import'] as const;
const storageCommon = {
  id: z.string().regex(/^[a-z][a-z0-9_-]*$/i, { message: 'must be a storage id like "local-zfs"' }),
  content: z.array(z.enum(STORAGE_CONTENT)).min(1),
  nodes: z.array(z.string()).optional().describe('nodes that can use it (default: all)'),
  shared: z.boolean().default(false),
};
export const Storage = z.discriminatedUnion('type', [
  z.strictObject({ ...storageCommon, type: z.literal('dir'), path: z.string().regex(/^\//) }),
  z.strictObject({ ...storageCommon, type: z.literal('zfspool'), pool: z.string() }),
  z.strictObject({ ...storageCommon, type: z.literal('nfs'), server: z.string(), export: z.string().regex(/^\//) }),
  z.strictObject({ ...storageCommon, type: z.literal('lvmthin'), vgname: z.string(), thinpool: z.string() }),
]);
export type Storage = z.infer<typeof Storage>;

export const LxcTemplate = z.strictObject({
  name: ResourceName,
  kind: z.literal('lxc'),
  storage: z.string().describe('storage with content vztmpl'),
  file: z.string().regex(/^[\w.+-]+\.tar\.(gz|xz|zst)$/, {
    message: 'must be a template archive name like debian-12-standard_12.7-1_amd64.tar.zst',
  }),
  source: z.enum(['aplinfo', 'url']).default('aplinfo'),
  url: z.url().optional(),
  checksum: Checksum.optional(),
});
export type LxcTemplate = z.infer<typeof LxcTemplate>;

export const VmTemplate = z.strictObject({
  name: ResourceName,
  kind: z.literal('vm'),
  vmid: Vmid,
  node: z.string(),
  storage: z.string().describe('storage for the template disk'),
  image: z
    .strictObject({ url: z.url().optional(), file: z.string().optional(), checksum: Checksum.optional() })
    .refine((i) => Boolean(i.url) !== Boolean(i.file), {
      message: hinted(
        'image needs exactly one of url or file',
        'url downloads a cloud image; file names one already on the storage',
      ),
    }),
  cores: z.int().min(1).default(1),
  memory: MemoryMiB.default(1024),
  diskSize: z.number().positive().optional().describe('resize the image disk to this many GiB'),
  bridge: z.string().optional(),
  ostype: z.string().default('l26'),
  copies: z
    .array(z.strictObject({ node: z.string(), vmid: Vmid }))
    .default([])
    .describe(
      'per-node copies of this template for guests cloned on other nodes when its storage is not shared (default: derived, next free vmid)',
    ),
});
export type VmTemplate = z.infer<typeof VmTemplate>;

export const Template = z.discriminatedUnion('kind', [LxcTemplate, VmTemplate]);
export type Template = z.infer<typeof Template>;

export const NfsExport = z.strictObject({
  name: ResourceName,
  node: z.string().optional().describe('node serving the export (default: the first node)'),
  path: z.string().regex(/^\//, { message: 'must be an absolute path on the node' }),
  clients: z.array(z.string()).default([]).describe('client CIDRs allowed (default: the guests that mount it)'),
  options: z.array(z.string()).default(['rw', 'sync', 'no_subtree_check']),
});
export type NfsExport = z.infer<typeof NfsExport>;

export const Nfs = z.strictObject({ exports: z.array(NfsExport).default([]) });

/**
 * Who owns an object when several config directories manage one Proxmox: written into every
 * ownership marker (guest tag `phoenix-env-<id>`, comment `phoenix[<id>]`). PVE tag characters.
 */
export const EnvironmentId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_.-]{0,39}$/, 'lower-case letters, digits, ".", "_" and "-" (at most 40)');

/** The root sections, each optional: what any single YAML file may contain. */
export const PhoenixFile = z.strictObject({
  version: z.literal(1).optional().describe('config format version (required in phoenix.yaml)'),
  proxmox: ProxmoxConnection.optional().describe('connection to a real Proxmox VE; absent = the built-in simulator'),
  cluster: Cluster.optional().describe('the Proxmox nodes and the internal DNS domain'),
  network: Network.optional().describe('Linux bridges on the nodes'),
  storage: z.array(Storage).optional().describe('Proxmox storages guests and templates use'),
  templates: z.array(Template).optional().describe('LXC template archives and VM cloud-image templates'),
  defaults: Defaults.optional().describe('values guests inherit, per guest type (deep merge, lists replace)'),
  guests: z.array(Guest).optional().describe('LXC containers and VMs'),
  nfs: Nfs.optional().describe('NFS exports served by a node, for persistent guest data'),
  platform: Platform.optional().describe(
    'settings of the platform roles (step-ca, gateway, traefik, swarm, portainer)',
  ),
  certificates: z.array(Certificate).optional().describe('certificates issued by the internal Step-CA'),
  routes: z.array(Route).optional().describe('gateway routes: public host names to guests or stack services'),
  dns: Dns.optional().describe('extra internal DNS records (guests get theirs automatically)'),
  stacks: z.array(Stack).optional().describe('Docker Swarm stacks with per-environment values'),
  host: Host.optional().describe('the Proxmox host: firewall, pools, roles, users, API tokens, ACLs'),
  environment: EnvironmentId.optional().describe(
    "this environment's identity in Phoenix's ownership markers (default: derived from the git repository and the config's path in it)",
  ),
  gitops: Gitops.optional().describe('`phoenix serve`: polling, autoSync, selfHeal, prune, webhook, notifications'),
});

/** The merged config of a directory, after defaults. Used by the loader to parse. */
export const PhoenixConfig = z.strictObject({
  version: z.literal(1),
  proxmox: ProxmoxConnection.optional(),
  cluster: Cluster.prefault({ domain: 'home.arpa', nodes: [] }),
  network: Network.default({ bridges: [] }),
  storage: z.array(Storage).default([]),
  templates: z.array(Template).default([]),
  defaults: Defaults.default({}),
  guests: z.array(Guest).default([]),
  nfs: Nfs.default({ exports: [] }),
  platform: Platform.default({}),
  certificates: z.array(Certificate).default([]),
  routes: z.array(Route).default([]),
  dns: Dns.default({ records: [] }),
  stacks: z.array(Stack).default([]),
  host: Host.prefault({}),
  environment: EnvironmentId.optional(),
  gitops: Gitops.prefault({}),
});
export type PhoenixConfig = z.infer<typeof PhoenixConfig>;

/** Top-level section names, in the order the docs list them. */
export const SECTIONS = Object.keys(PhoenixFile.shape) as (keyof PhoenixConfig)[];
