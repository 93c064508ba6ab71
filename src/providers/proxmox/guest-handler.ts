/**
 * The `proxmox.guest` resource handler: LXC containers and QEMU VMs keyed by vmid. Plans use
 * `observeAll` (one cluster read + one config read per guest); apply goes through
 * `createGuest` / `convergeGuest`, which re-read before acting, so a retried or resumed step
 * never duplicates work.
 */
import { ProxmoxApiError, type ProxmoxClient } from '../../clients/proxmox/index.ts';
import type {
  ApplyContext,
  ApplyResponse,
  CreateRequest,
  DeleteRequest,
  DiffRequest,
  DiffResponse,
  HealthRequest,
  HealthResponse,
  ObserveAllRequest,
  ObserveAllResponse,
  ObserveRequest,
  ObserveResponse,
  ResourceHandler,
  UpdateRequest,
} from '../../engine/handler.ts';
import { convergeGuest } from './converge.ts';
import { createGuest, type CreateContext } from './create.ts';
import { GUEST_KIND } from './derive.ts';
import { diffGuest, type ObservedGuest } from './diff.ts';
import { asRetryable } from '../pve-retry.ts';
import { clusterResources, unreachableDiagnostic } from '../cluster-view.ts';
import { destroyGuest, guestStatus, type GuestRef, type OpsContext } from './guest-ops.ts';
import { migrateGuest } from './migrate.ts';
import { observeGuests } from './observe.ts';
import { guestAddress, type GuestSpec } from './spec.ts';

export interface GuestHandlerOptions {
  client: ProxmoxClient;
  resolveSecret: (ref: string) => Promise<string>;
  /** Config reads in flight while observing (default 16). */
  observeConcurrency?: number;
  /** Bound of one task or lock wait (default 10 min). */
  taskTimeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /**
   * True for an untagged guest that is nevertheless Phoenix's: adopted with `phoenix import`, or
   * still being created by an interrupted apply (its journal step is in flight and PVE holds a
   * create/clone lock on it — a QEMU clone gets its tags only at the end).
   */
  isAdopted?: (vmid: number, observed: { lock?: string }) => boolean;
  /** This environment's identity: guests tagged for another one are foreign. */
  environment?: string;
}

export function createGuestHandler(options: GuestHandlerOptions): ResourceHandler<GuestSpec, ObservedGuest> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const ops = (ctx: { signal: AbortSignal }, note?: ApplyContext['journal']): CreateContext => ({
    client: options.client,
    signal: ctx.signal,
    taskTimeoutMs: options.taskTimeoutMs ?? 600_000,
    sleep,
    note: note ? (data) => note.note(data) : undefined,
    resolveSecret: options.resolveSecret,
    isAdopted: options.isAdopted,
    environment: options.environment,
  });
  const refOf = (spec: GuestSpec, observed: ObservedGuest | null): GuestRef => ({
    vmid: spec.vmid,
    // A guest that moved (migration, HA) is handled where it is.
    node: observed?.node ?? spec.node,
    type: spec.type,
    address: guestAddress(spec.vmid),
  });

  /** VMs whose agent was seen not answering yet, with their uptime then (s). */
  const agentWaits = new Map<number, number>();
  const handler: ResourceHandler<GuestSpec, ObservedGuest> = {
    kind: GUEST_KIND,

    async observeAll(req: ObserveAllRequest<GuestSpec>): Promise<ObserveAllResponse<ObservedGuest>> {
      const specs = req.resources.map((r) => r.desired);
      const rows = await clusterResources(options.client, req.ctx);
      const result = await observeGuests(options.client, specs, {
        rows,
        concurrency: options.observeConcurrency,
        signal: req.ctx.signal,
        environment: options.environment,
      });
      const desired = new Set(specs.map((s) => s.vmid));
      const found = result.found
        .filter((o) => o.managed || desired.has(o.vmid))
        .map((o) => ({
          address: guestAddress(o.vmid),
          kind: GUEST_KIND,
          observed: o,
          node: o.node,
          protected: Number(o.config.protection ?? 0) === 1,
          owned: o.managed && !o.legacy,
        }));
      const summary = (row: (typeof result.unmanaged)[number]) =>
        `${row.type} ${row.vmid}${row.name ? ` "${row.name}"` : ''} on ${row.node}`;
      const unmanaged = [
        ...result.unmanaged.map((row) => ({
          address: guestAddress(Number(row.vmid)),
          kind: GUEST_KIND,
          summary: summary(row),
        })),
        ...result.foreign.map(({ row, environment }) => ({
          address: guestAddress(Number(row.vmid)),
          kind: GUEST_KIND,
          summary: `${summary(row)} (environment ${environment})`,
        })),
      ];
      const unknown = result.unreachable.map((u) => ({
        address: guestAddress(u.vmid),
        diagnostic: unreachableDiagnostic(u.node, `${u.type === 'vm' ? 'VM' : 'container'} ${u.vmid}`),
      }));
      // Not there yet, and declared on a node that is down: cannot be created now (nor elsewhere).
      const offline = new Set(rows.filter((r) => r.type === 'node' && r.status !== 'online').map((r) => r.node));
      const seen = new Set([...result.found.map((o) => o.vmid), ...result.unreachable.map((u) => u.vmid)]);
      for (const spec of specs) {
        if (seen.has(spec.vmid) || !offline.has(spec.node)) continue;
        unknown.push({
          address: guestAddress(spec.vmid),
          diagnostic: {
            ...unreachableDiagnostic(spec.node, `guest ${spec.vmid}`),
            message: `node ${spec.node} is unreachable: guest ${spec.vmid} declared there cannot be created now (nor anywhere else)`,
          },
        });
      }
      return { found, unmanaged, unknown };
    },

    async observe(req: ObserveRequest<GuestSpec>): Promise<ObserveResponse<ObservedGuest>> {
      // A context of its own: the cluster read shared within one plan is never reused here.
      const all = await handler.observeAll!({ ctx: { ...req.ctx }, resources: [req.resource] });
      const hit = all.found.find((f) => f.address === req.resource.address);
      return hit ? { observed: hit.observed, node: hit.node } : { observed: null };
    },

    diff(req: DiffRequest<GuestSpec, ObservedGuest>): DiffResponse {
      const spec = req.resource.desired;
      const observed = req.observed ?? undefined;
      if (observed?.foreign !== undefined) {
        // Declared by two environments: changing it here would flip its owner back and forth.
        return {
          action: 'noop',
          changes: [],
          requiresReplace: [],
          requiresRestart: false,
          reasons: [`owned by environment ${observed.foreign}`],
          diagnostics: [
            {
              severity: 'error',
              code: 'E_OWNERSHIP_CONFLICT',
              message: `vmid ${spec.vmid} is declared here but owned by environment ${observed.foreign}`,
              hint: 'declare each guest in one environment only, or give this one another id',
            },
          ],
        };
      }
      if (observed && !observed.managed && !options.isAdopted?.(spec.vmid, observed)) {
        return {
          action: 'noop',
          changes: [],
          requiresReplace: [],
          requiresRestart: false,
          reasons: [`vmid ${spec.vmid} is used by a guest Phoenix does not manage`],
          diagnostics: [
            {
              severity: 'error',
              code: 'E_PVE_VMID_TAKEN',
              message: `vmid ${spec.vmid} exists (${observed.type} on ${observed.node}) but is not managed by Phoenix`,
              hint: `adopt it with \`phoenix import ${spec.vmid}\`, or give the guest another id`,
            },
          ],
        };
      }
      const d = diffGuest(spec, observed);
      const requiresReplace = d.changes.filter((c) => c.effect === 'replace').map((c) => c.path);
      return {
        action: d.action === 'update-restart' ? 'update' : d.action,
        changes: d.changes.map((c) => ({
          path: c.path,
          before: displayValue(c.before),
          after: displayValue(c.after),
          ...(c.sensitive ? { sensitive: true } : {}),
          ...(c.effect === 'replace' ? { forcesReplacement: true } : {}),
          ...(c.effect === 'restart' ? { requiresRestart: true } : {}),
        })),
        requiresReplace,
        requiresRestart: d.action === 'update-restart',
        reasons: d.reasons,
        before: observed
          ? { vmid: observed.vmid, node: observed.node, type: observed.type, status: observed.status }
          : undefined,
        after: planView(spec),
      };
    },

    async create(req: CreateRequest<GuestSpec>): Promise<ApplyResponse<ObservedGuest>> {
      const spec = req.resource.desired;
      const ctx = ops(req.ctx, req.ctx.journal);
      try {
        if (req.change.action === 'replace') await destroyGuest(ctx, refOf(spec, null));
        return { observed: await createGuest(ctx, spec, req.resource.address, { start: !req.deferStart }) };
      } catch (error) {
        throw asRetryable(error, req.resource.address);
      }
    },

    async update(req: UpdateRequest<GuestSpec, ObservedGuest>): Promise<ApplyResponse<ObservedGuest>> {
      const spec = req.resource.desired;
      const ctx = ops(req.ctx, req.ctx.journal);
      try {
        if (req.change.action === 'replace') {
          await destroyGuest(ctx, refOf(spec, req.observed));
          return { observed: await createGuest(ctx, spec, req.resource.address) };
        }
        if (spec.migrate && req.observed.node !== spec.node) {
          // --rebalance: a migration to the placed node, then converge there.
          await migrateGuest(ctx, refOf(spec, req.observed), spec.node);
          return { observed: await convergeGuest(ctx, spec, refOf(spec, null)) };
        }
        return { observed: await convergeGuest(ctx, spec, refOf(spec, req.observed)) };
      } catch (error) {
        throw asRetryable(error, req.resource.address);
      }
    },

    async delete(req: DeleteRequest<ObservedGuest>): Promise<ApplyResponse<ObservedGuest>> {
      const observed = req.observed;
      if (!observed) return {};
      const ctx = ops(req.ctx, req.ctx.journal);
      try {
        await destroyGuest(ctx, {
          vmid: observed.vmid,
          node: observed.node,
          type: observed.type,
          address: req.address,
        });
      } catch (error) {
        throw asRetryable(error, req.address);
      }
      return {};
    },

    async health(req: HealthRequest<GuestSpec>): Promise<HealthResponse> {
      // Where it was observed (status passes it): a guest moved by HA is asked on its new node.
      const spec = { ...req.resource.desired, node: req.resource.node ?? req.resource.desired.node };
      const answer = await guestHealth(ops(req.ctx), spec);
      // Learn how long this host's VMs take to bring up their agent (seen pending, then healthy).
      if (answer.status === 'pending' && answer.uptimeS !== undefined) agentWaits.set(spec.vmid, answer.uptimeS);
      else if (answer.status === 'healthy' && agentWaits.has(spec.vmid)) {
        agentWaits.delete(spec.vmid);
        if (answer.uptimeS !== undefined) options.client.taskTimes.record(AGENT_TIME, answer.uptimeS * 1000 + 500);
      }
      const { uptimeS: _uptime, ...response } = answer;
      return response;
    },
  };
  return handler;
}

/** What a plan shows of a desired guest: the essentials a reviewer checks, never a secret. */
export function planView(spec: GuestSpec): Record<string, unknown> {
  const source =
    spec.source.kind === 'ostemplate'
      ? `template ${spec.source.volid}`
      : spec.source.kind === 'clone'
        ? `${spec.source.full ? 'full' : 'linked'} clone of ${spec.source.from}${spec.source.snapshot ? `@${spec.source.snapshot}` : ''}`
        : `cloud image ${spec.source.volid}`;
  const view: Record<string, unknown> = { vmid: spec.vmid, name: spec.name, type: spec.type, node: spec.node, source };
  if (spec.cores !== undefined) view.cores = spec.cores;
  if (spec.memory !== undefined) view.memory = spec.memory;
  if (spec.disk) view.disk = `${spec.disk.sizeGiB}G on ${spec.disk.storage}`;
  if (spec.net.length > 0) view.net = spec.net.map((n) => `${n.name} ${n.bridge} ${n.ip ?? ''}`.trim());
  if (spec.isTemplate) view.template = true;
  return view;
}

/** A permission or authentication refusal (401/403): waiting cannot cure it. Its message, else undefined. */
function refusal(error: unknown): string | undefined {
  if (error instanceof ProxmoxApiError && (error.status === 401 || error.status === 403)) return error.message;
  return undefined;
}

/** The pseudo task type of the time from a VM's start until its agent answers (`TaskTimes`). */
const AGENT_TIME = 'qmagent';

/** LXC: up = running. VM: running and, with the agent enabled, the agent answers a ping. */
/** A health answer with the guest's uptime (s) when read, for learning agent start times. */
export type GuestHealth = HealthResponse & { uptimeS?: number };

export async function guestHealth(ctx: OpsContext, spec: GuestSpec): Promise<GuestHealth> {
  if (spec.isTemplate || !spec.running) return { status: 'healthy' };
  const g: GuestRef = { vmid: spec.vmid, node: spec.node, type: spec.type, address: guestAddress(spec.vmid) };
  let s: Awaited<ReturnType<typeof guestStatus>>;
  try {
    s = await guestStatus(ctx, g);
  } catch (error) {
    const refused = refusal(error);
    if (refused) return { status: 'unhealthy', message: refused };
    return { status: 'pending', message: 'status not readable yet' };
  }
  if (!s) {
    // Moved by a migration or HA since the plan: follow it instead of declaring it gone.
    const row = (await ctx.client.cluster.resources('vm')).find((r) => Number(r.vmid) === spec.vmid);
    if (!row?.node || row.node === g.node) return { status: 'unhealthy', message: 'guest does not exist' };
    return guestHealth(ctx, { ...spec, node: row.node });
  }
  if (s.status !== 'running') return { status: 'pending', message: `status ${s.status}` };
  if (spec.type === 'vm' && spec.agent) {
    try {
      await ctx.client.qemu.agentPing(g.node, g.vmid);
    } catch (error) {
      // A refused ping (no VM.Monitor) never turns into an answer: fail now instead of waiting out the deadline.
      const refused = refusal(error);
      if (refused) return { status: 'unhealthy', message: refused };
      // Ask again when the agent is expected to answer (learned time from start to agent).
      const expected = ctx.client.taskTimes.expectedMs(AGENT_TIME) ?? 8000;
      return {
        status: 'pending',
        message: 'waiting for the QEMU guest agent',
        retryAfterMs: Math.max(0, expected - (s.uptime ?? 0) * 1000),
        uptimeS: s.uptime,
      };
    }
    return { status: 'healthy', uptimeS: s.uptime };
  }
  return { status: 'healthy' };
}

/**
 * PVE's canonical form is text (`memory: "1024"`); a plain integer is shown as the number the
 * config wrote, so update diffs read like create diffs (`memory: 1024 → 512`).
 */
function displayValue(value: string | undefined): string | number | undefined {
  return value !== undefined && /^-?(0|[1-9]\d{0,14})$/.test(value) ? Number(value) : value;
}
