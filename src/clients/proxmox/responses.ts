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

/** A guest's `config` answer: a flat map of option -> scalar. */
export const GuestConfigSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));

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
