/**
 * Responses validated at the client edge: permissive zod schemas for the PVE answers Phoenix
 * reads (unknown fields pass through; the fields Phoenix relies on must have their type), so a
 * malformed answer fails here with the path and field named — not as a wrong value deep in a
 * provider after an unchecked cast.
 */
import { z } from 'zod';
import { ProviderError } from '../../errors.ts';
import type { HttpMethod, ProxmoxTransport } from './types.ts';

const int = z.number().int();

export const VersionInfoSchema = z.looseObject({ version: z.string(), release: z.string(), repoid: z.string() });

export const ClusterResourceSchema = z.looseObject({
  id: z.string(),
  type: z.string(),
  node: z.string().optional(),
  vmid: int.optional(),
  name: z.string().optional(),
  status: z.string().optional(),
  template: int.optional(),
  tags: z.string().optional(),
  lock: z.string().optional(),
  pool: z.string().optional(),
  storage: z.string().optional(),
  maxmem: z.number().optional(),
  maxdisk: z.number().optional(),
  disk: z.number().optional(),
});

export const NodeInfoSchema = z.looseObject({ node: z.string(), status: z.enum(['online', 'offline', 'unknown']) });

export const TaskStatusSchema = z.looseObject({
  upid: z.string(),
  node: z.string(),
  status: z.enum(['running', 'stopped']),
  exitstatus: z.string().optional(),
  type: z.string(),
  id: z.string().optional(),
  user: z.string(),
  starttime: z.number(),
});

/** An integer PVE may send as a number or a numeric string (`"1"`); always a number after parsing. */
const intish = z.preprocess((v) => (typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v), int);
/** A number PVE may send as a number or a numeric string. */
const numish = z.preprocess(
  (v) => (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v),
  z.number(),
);
/** Free text PVE may send as a string or (for numeric-looking values) a number; always a string. */
const text = z.union([z.string(), z.number()]).transform(String);

/** A guest's `config` answer: a flat map of option -> scalar (booleans as 0/1, nulls dropped). */
export const GuestConfigSchema = z.record(
  z.string(),
  z.union([z.string(), z.number(), z.boolean().transform((b) => (b ? 1 : 0)), z.null().transform(() => undefined)]),
);

export const GuestStatusSchema = z.looseObject({
  vmid: z.union([z.number(), z.string()]),
  status: z.string(),
  lock: z.string().optional(),
  template: intish.optional(),
});

export const PendingEntrySchema = z.looseObject({
  key: z.string(),
  value: z.unknown().optional(),
  pending: z.unknown().optional(),
  delete: intish.optional(),
});

export const StorageEntrySchema = z.looseObject({
  storage: z.string(),
  type: z.string(),
  content: text.default(''),
  active: intish.optional(),
  enabled: intish.optional(),
  shared: intish.optional(),
  avail: numish.optional(),
  total: numish.optional(),
});

/** One row of the cluster storage configuration (`GET /storage`): its definition, not its usage. */
export const StorageDefinitionSchema = z.looseObject({
  storage: z.string(),
  type: z.string().optional(),
  content: text.optional(),
  nodes: text.optional(),
  shared: intish.optional(),
});

export const NetworkInterfaceSchema = z.looseObject({
  iface: z.string(),
  type: z.string(),
  active: intish.optional(),
  autostart: intish.optional(),
  cidr: z.string().optional(),
  gateway: z.string().optional(),
  bridge_ports: text.optional(),
  bridge_vlan_aware: intish.optional(),
  comments: text.optional(),
});

const TokenSchema = z.looseObject({
  tokenid: z.string(),
  comment: text.optional(),
  expire: intish.optional(),
  privsep: intish.optional(),
});

export const UserSchema = z.looseObject({
  userid: z.string(),
  enable: intish.optional(),
  expire: intish.optional(),
  email: z.string().optional(),
  comment: text.optional(),
  /** A comma list; some versions answer an array. */
  groups: z.union([z.string(), z.array(z.string()).transform((g) => g.join(','))]).optional(),
  tokens: z.array(TokenSchema).optional(),
});

export const TokenListSchema = z.array(TokenSchema);

export const RoleSchema = z.looseObject({
  roleid: z.string(),
  privs: z.string().optional(),
  special: intish.optional(),
});

export const AclEntrySchema = z.looseObject({
  path: z.string(),
  type: z.enum(['user', 'group', 'token']),
  ugid: z.string(),
  roleid: z.string(),
  /** PVE's default is to propagate. */
  propagate: intish.default(1),
});

export const PoolSchema = z.looseObject({
  poolid: z.string(),
  comment: text.optional(),
  members: z
    .array(
      z.looseObject({
        id: z.string(),
        type: z.string(),
        vmid: intish.optional(),
        storage: z.string().optional(),
        node: z.string().optional(),
      }),
    )
    .optional(),
});

export const FirewallRuleSchema = z.looseObject({
  pos: intish,
  type: z.enum(['in', 'out', 'group', 'forward']),
  action: z.string(),
  enable: intish.optional(),
  source: z.string().optional(),
  dest: z.string().optional(),
  proto: text.optional(),
  dport: text.optional(),
  sport: text.optional(),
  macro: z.string().optional(),
  iface: z.string().optional(),
  log: z.string().optional(),
  comment: text.optional(),
  digest: z.string().optional(),
});

export const FirewallAliasSchema = z.looseObject({
  name: z.string(),
  cidr: z.string(),
  comment: text.optional(),
  digest: z.string().optional(),
});

export const FirewallIpsetSchema = z.looseObject({ name: z.string(), comment: text.optional() });

export const FirewallIpsetEntrySchema = z.looseObject({
  cidr: z.string(),
  nomatch: intish.optional(),
  comment: text.optional(),
});

export const FirewallGroupSchema = z.looseObject({ group: z.string(), comment: text.optional() });

/** Thrown when an answer does not have the shape Phoenix reads (a bug or an incompatible PVE). */
export class UnexpectedResponseError extends ProviderError {
  constructor(method: HttpMethod, path: string, issue: z.core.$ZodIssue | undefined) {
    const where = issue?.path.length ? issue.path.join('.') : 'the answer';
    super(`unexpected answer from Proxmox ${method} ${path}: ${where}: ${issue?.message ?? 'invalid'}`, {
      code: 'E_PVE_RESPONSE',
      hint: 'Phoenix supports Proxmox VE 8.x; check the endpoint is a Proxmox VE API',
    });
  }
}

/** `transport.request`, with the answer parsed by `schema` (typed from it, never cast). */
export async function requestParsed<S extends z.ZodType>(
  t: ProxmoxTransport,
  schema: S,
  method: HttpMethod,
  path: string,
  params?: Parameters<ProxmoxTransport['request']>[2],
): Promise<z.infer<S>> {
  const answer = await t.request<unknown>(method, path, params);
  const parsed = schema.safeParse(answer);
  if (!parsed.success) throw new UnexpectedResponseError(method, path, parsed.error.issues[0]);
  return parsed.data;
}
