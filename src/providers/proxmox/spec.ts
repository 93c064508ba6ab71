/**
 * The provider's own desired-state model: one guest or one storage file, with every config
 * reference already resolved (template name → volume id, clone source name → vmid, defaults
 * applied). `derive.ts` builds these from the loaded config; everything else in the provider
 * works on these types only, so the config schema can evolve without touching the lifecycle.
 */

export type GuestType = 'lxc' | 'vm';

/** The tag that marks a guest as owned by Phoenix (ARCHITECTURE principle 3). */
export const MANAGED_TAG = 'phoenix-managed';
/** Prefix of the tag naming the environment that owns a guest (`phoenix-env-homelab`). */
export const ENV_TAG_PREFIX = 'phoenix-env-';

export type GuestOwner =
  { kind: 'ours' } | { kind: 'legacy' } | { kind: 'foreign'; environment: string } | { kind: 'none' };

/**
 * Whose guest it is: `phoenix-managed` plus this environment's `phoenix-env-<id>` tag (or the
 * description of a create in progress). Plus no environment tag: tagged by an earlier version
 * (`legacy`: adopted when declared, the next apply adds the tag; never deleted before). Another
 * environment's tag makes it foreign.
 */
export function guestOwner(tags: readonly string[], description: unknown, environment: string | undefined): GuestOwner {
  const creating = typeof description === 'string' && description.startsWith('phoenix: creating');
  if (!tags.includes(MANAGED_TAG) && !creating) return { kind: 'none' };
  const envs = tags.filter((t) => t.startsWith(ENV_TAG_PREFIX)).map((t) => t.slice(ENV_TAG_PREFIX.length));
  if (creating && envs.length === 0) {
    const m = typeof description === 'string' ? / env=([a-z0-9][a-z0-9_.-]*)/.exec(description) : null;
    if (m?.[1]) envs.push(m[1]);
  }
  if (!environment || envs.includes(environment)) return { kind: 'ours' };
  // Tagged before environments existed: adopted when declared, never deleted until re-tagged.
  if (envs.length === 0) return { kind: 'legacy' };
  return { kind: 'foreign', environment: envs[0] ?? '' };
}

export interface NetSpec {
  /** `eth0` for LXC (inside the container); `net0` index for VMs. */
  name: string;
  index: number;
  bridge: string;
  /** `10.0.0.5/24`, `dhcp`, or undefined for no IPv4 config. */
  ip?: string;
  gateway?: string;
  mac?: string;
  vlan?: number;
  firewall?: boolean;
  /** VM NIC model (virtio, e1000, ...). */
  model?: string;
}

export interface MountSpec {
  index: number;
  path: string;
  storage: string;
  sizeGiB: number;
  backup?: boolean;
}

export interface FirewallRuleSpec {
  action: string;
  type: 'in' | 'out' | 'group';
  proto?: string;
  dport?: string;
  sport?: string;
  source?: string;
  dest?: string;
  comment?: string;
  enable?: boolean;
}

export interface FirewallSpec {
  enabled: boolean;
  policyIn?: 'ACCEPT' | 'DROP' | 'REJECT';
  policyOut?: 'ACCEPT' | 'DROP' | 'REJECT';
  rules: FirewallRuleSpec[];
}

export interface CloudInitSpec {
  user?: string;
  sshKeys: string[];
  /**
   * Secret reference (`env:X`, `file:p`) of the password, resolved only when the guest is
   * created, so the value never reaches a plan (PVE masks it on read, so it cannot be diffed).
   */
  passwordRef?: string;
  /** What to do when cloud-init changes on a running VM (issue 4: restart or leave alone). */
  policy: 'restart' | 'ignore';
}

/** Where a new guest's root disk comes from. */
export type GuestSource =
  | { kind: 'ostemplate'; volid: string; fileAddress: string }
  | {
      kind: 'clone';
      from: number;
      fromAddress?: string;
      snapshot?: string;
      full?: boolean;
      /**
       * The source is a declared guest that runs (not a template): PVE then flocks it exclusively
       * for a QEMU clone (spec §5.3), so its clones must run one at a time.
       */
      sourceRuns?: boolean;
    }
  | {
      kind: 'image';
      /** Volume id of the downloaded cloud image to import (`local:import/x.qcow2`). */
      volid: string;
      fileAddress: string;
      /** Storage the imported boot disk and the cloud-init drive are created on. */
      storage: string;
    };

/** Clean shutdown with a bound, then the declared fallback: hard stop, or fail and leave it running. */
export interface RestartSpec {
  shutdownTimeoutSec: number;
  fallback: 'stop' | 'fail';
}

export const DEFAULT_RESTART: RestartSpec = { shutdownTimeoutSec: 180, fallback: 'stop' };

export interface GuestSpec {
  vmid: number;
  name: string;
  type: GuestType;
  node: string;
  source: GuestSource;
  cores?: number;
  memory?: number;
  swap?: number;
  disk?: { storage: string; sizeGiB: number };
  net: NetSpec[];
  nameserver?: string;
  searchdomain?: string;
  unprivileged?: boolean;
  features?: Record<string, boolean>;
  mounts: MountSpec[];
  onboot?: boolean;
  startup?: { order?: number; up?: number; down?: number };
  /** User tags; the ownership tags are added by the provider. */
  tags: string[];
  /** The environment that owns it: tagged `phoenix-env-<id>` next to `phoenix-managed`. */
  environment?: string;
  description?: string;
  snapshots: { name: string; description?: string }[];
  firewall?: FirewallSpec;
  /** Guest is itself a template (convert after creation, never started). */
  isTemplate: boolean;
  protected: boolean;
  /** How a running guest is restarted to pick up pending changes (default `DEFAULT_RESTART`). */
  restart?: RestartSpec;
  /** Desired power state; templates are never started. */
  running: boolean;
  cloudInit?: CloudInitSpec;
  /** LXC: root password reference and SSH keys, set once at creation (not readable back). */
  rootPasswordRef?: string;
  rootSshKeys?: string[];
  /** VM: QEMU guest agent enabled (health waits for it to answer). */
  agent?: boolean;
  /** Addresses of other resources this guest needs first (explicit dependsOn). */
  dependsOn: string[];
  /**
   * `phoenix plan --rebalance`: a guest found on another node than `node` is migrated there.
   * Without it a guest that moved (HA, a manual migration) is managed where it is.
   */
  migrate?: boolean;
}

/** A file that must exist on a storage: an LXC OS template or a VM cloud image. */
export interface StorageFileSpec {
  name: string;
  node: string;
  storage: string;
  content: 'vztmpl' | 'iso' | 'import';
  filename: string;
  /** aplinfo: ask PVE's appliance index; url: download-url with optional checksum. */
  source: 'aplinfo' | 'url';
  url?: string;
  checksum?: { algorithm: 'sha256' | 'sha512' | 'md5' | 'sha1' | 'sha224' | 'sha384'; value: string };
}

export function guestAddress(vmid: number): string {
  return `guest.${vmid}`;
}

export function fileAddress(node: string, storage: string, filename: string): string {
  return `file.${node}.${storage}.${filename}`;
}

export function volid(file: Pick<StorageFileSpec, 'storage' | 'content' | 'filename'>): string {
  return `${file.storage}:${file.content}/${file.filename}`;
}
