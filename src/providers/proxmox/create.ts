/**
 * Creating a guest: from an OS template (LXC), by cloning (LXC or VM, from a template or a
 * snapshot), or from a cloud image (VM template). A create/clone POST is NEVER repeated
 * blindly (spec §5.2, §8.3): before every attempt, and after any ambiguous failure, the guest is
 * looked up; if it exists and is ours the work continues from there (convergeGuest), if it
 * does not exist the attempt is marked retryable, and if someone else owns the id it stops.
 */
import {
  isAlreadyExists,
  isConnectError,
  isLockError,
  isRetryable,
  isWorkerStartError,
  ProxmoxTaskError,
} from '../../clients/proxmox/index.ts';
import { ProviderError } from '../../errors.ts';
import { RetryableProviderError } from '../pve-retry.ts';
import { convergeGuest } from './converge.ts';
import type { ObservedGuest } from './diff.ts';
import { destroyGuest, guestStatus, waitTask, type GuestRef, type OpsContext } from './guest-ops.ts';
import { lxcCreateParams } from './lxc-config.ts';
import { CREATING_MARKER, guestTypeOf, readGuest } from './observe.ts';
import type { GuestSpec } from './spec.ts';
import { vmCloneParams, vmConfigParams, vmCreateFromImageParams } from './vm-config.ts';

export interface CreateContext extends OpsContext {
  /** Resolves a secret reference (`env:X`, `file:p`); the value is sent to PVE, never logged. */
  resolveSecret: (ref: string) => Promise<string>;
  isAdopted?: (vmid: number, observed: { lock?: string }) => boolean;
}

export async function createGuest(
  ctx: CreateContext,
  spec: GuestSpec,
  address: string,
  options: { start?: boolean } = {},
): Promise<ObservedGuest> {
  const g: GuestRef = { vmid: spec.vmid, node: spec.node, type: spec.type, address };
  // Only the clone itself runs under the source lock; configuring and starting the new guest
  // happen outside it, in parallel with the next clone of the same source.
  await withSourceLock(cloneLockKey(spec), ctx, () => ensureCreated(ctx, spec, g));
  return convergeGuest(ctx, spec, g, { start: options.start });
}

/**
 * The in-process lock key of a clone whose source serves one clone at a time: an LXC source
 * (`lock: disk` for the whole clone task, spec §5.4) and a running QEMU source (its flock is
 * taken exclusively, spec §5.3). QEMU clones of a template or a stopped VM run in parallel.
 */
export function cloneLockKey(spec: GuestSpec): string | undefined {
  if (spec.source.kind !== 'clone') return undefined;
  return spec.type === 'lxc' || spec.source.sourceRuns ? `clone-source:${spec.source.from}` : undefined;
}

const sourceLocks = new Map<string, Promise<void>>();

/** Runs `fn` when every earlier holder of `key` (in this process) is done; records the wait. */
async function withSourceLock(key: string | undefined, ctx: CreateContext, fn: () => Promise<void>): Promise<void> {
  if (!key) return fn();
  const previous = sourceLocks.get(key) ?? Promise.resolve();
  let release = (): void => undefined;
  const mine = new Promise<void>((resolve) => (release = resolve));
  const chained = previous.then(() => mine);
  sourceLocks.set(key, chained);
  const started = performance.now();
  try {
    await previous;
    await ctx.note?.({ cloneLockWaitMs: Math.round(performance.now() - started) });
    await fn();
  } finally {
    release();
    if (sourceLocks.get(key) === chained) sourceLocks.delete(key);
  }
}

/** Makes sure the guest exists (created/cloned by this call, or found to be ours already). */
async function ensureCreated(ctx: CreateContext, spec: GuestSpec, g: GuestRef): Promise<void> {
  const address = g.address;
  if (await adoptIfOurs(ctx, spec, g)) return;
  let upid: string | null;
  let taskNode = spec.node;
  try {
    await ctx.note?.({ op: spec.source.kind === 'clone' ? 'clone' : 'create', vmid: spec.vmid, node: spec.node });
    ({ upid, taskNode } = await postCreate(ctx, spec));
  } catch (error) {
    if (isLockError(error) || isWorkerStartError(error) || isConnectError(error)) {
      throw new RetryableProviderError(errorText(error), { code: 'E_PVE_TRANSIENT', resource: address, cause: error });
    }
    // Unknown outcome (5xx, 596, reset) or "already exists": look before doing anything else.
    if (await adoptIfOurs(ctx, spec, g)) return;
    // A refusal (400 bad parameter, 401/403 no permission) stays a refusal: repeating it only
    // delays the report (six retries of "Permission check failed").
    if (isAlreadyExists(error) || !isRetryable(error)) throw error;
    throw new RetryableProviderError(`${errorText(error)} (the guest was not created; safe to retry)`, {
      code: 'E_PVE_TRANSIENT',
      resource: address,
      cause: error,
    });
  }
  try {
    await waitTask(ctx, taskNode, upid, address, cloneTaskType(spec));
  } catch (error) {
    if (!(error instanceof ProxmoxTaskError) || error.exitstatus === 'timeout') throw error;
    // PVE removes the half-made guest of a failed create/clone; make sure, then try again.
    if (await guestStatus(ctx, g)) await destroyGuest(ctx, g);
    throw new RetryableProviderError(`creating guest ${spec.vmid} failed: ${error.exitstatus}`, {
      code: 'E_PVE_TASK',
      resource: address,
      cause: error,
      detail: error.logTail.join('\n'),
    });
  }
}

/** A clone's task type for its expected duration: full and linked clones differ tenfold. */
function cloneTaskType(spec: GuestSpec): string | undefined {
  if (spec.source.kind !== 'clone') return undefined;
  return `${spec.type === 'lxc' ? 'vzclone' : 'qmclone'}:${spec.source.full ? 'full' : 'linked'}`;
}

/** True when the guest exists and is ours (tagged or marked as being created by Phoenix). */
async function adoptIfOurs(ctx: CreateContext, spec: GuestSpec, g: GuestRef): Promise<boolean> {
  const status = await guestStatus(ctx, g);
  if (!status) return false;
  const observed = await readGuest(ctx.client, { ...g, status: status.status }, undefined, spec.environment);
  if (!observed) return false;
  if (observed.managed || ctx.isAdopted?.(spec.vmid, observed)) return true;
  throw new ProviderError(`vmid ${spec.vmid} is already used by a guest Phoenix does not manage`, {
    code: 'E_PVE_VMID_TAKEN',
    resource: g.address,
    hint: `adopt it with \`phoenix import ${spec.vmid}\`, or give the guest another id`,
  });
}

async function postCreate(ctx: CreateContext, spec: GuestSpec): Promise<{ upid: string | null; taskNode: string }> {
  const source = spec.source;
  if (source.kind === 'ostemplate') {
    const params: Record<string, string | number> = { ...lxcCreateParams(spec) };
    if (spec.rootPasswordRef) params.password = await ctx.resolveSecret(spec.rootPasswordRef);
    if (spec.rootSshKeys && spec.rootSshKeys.length > 0) params['ssh-public-keys'] = spec.rootSshKeys.join('\n');
    return { upid: await ctx.client.lxc.create(spec.node, params, { retryUnsafe: false }), taskNode: spec.node };
  }
  if (source.kind === 'image') {
    const params = vmCreateFromImageParams(spec);
    return { upid: await ctx.client.qemu.create(spec.node, params, { retryUnsafe: false }), taskNode: spec.node };
  }
  const sourceNode = await nodeOf(ctx, source.from);
  if (spec.type === 'lxc') {
    const params: Record<string, string | number> & { newid: number } = {
      newid: spec.vmid,
      hostname: spec.name,
      description: `${CREATING_MARKER} guest.${spec.vmid}${spec.environment ? ` env=${spec.environment}` : ''}`,
    };
    if (source.full) {
      params.full = 1;
      if (spec.disk) params.storage = spec.disk.storage;
    }
    if (source.snapshot) params.snapname = source.snapshot;
    if (spec.node !== sourceNode) params.target = spec.node;
    return {
      upid: await ctx.client.lxc.clone(sourceNode, source.from, params, { retryUnsafe: false }),
      taskNode: sourceNode,
    };
  }
  const params = {
    ...vmCloneParams(spec, sourceNode),
    newid: spec.vmid,
    description: `${CREATING_MARKER} guest.${spec.vmid}${spec.environment ? ` env=${spec.environment}` : ''}`,
  };
  const upid = await ctx.client.qemu.clone(sourceNode, source.from, params, { retryUnsafe: false });
  const result = { upid, taskNode: sourceNode };
  if (spec.cloudInit?.passwordRef) {
    // The password cannot be diffed (PVE masks it): set once, right after the clone.
    await waitTask(ctx, sourceNode, upid, `guest.${spec.vmid}`, cloneTaskType(spec));
    const password = await ctx.resolveSecret(spec.cloudInit.passwordRef);
    const cfg = vmConfigParams(spec, {}, { password });
    await waitTask(
      ctx,
      spec.node,
      await ctx.client.qemu.updateConfigAsync(spec.node, spec.vmid, { cipassword: cfg.cipassword }),
      `guest.${spec.vmid}`,
    );
    return { upid: null, taskNode: sourceNode };
  }
  return result;
}

/** The node a (source) guest lives on, from the cluster-wide list. */
async function nodeOf(ctx: OpsContext, vmid: number): Promise<string> {
  const rows = await ctx.client.cluster.resources('vm');
  const row = rows.find((r) => Number(r.vmid) === vmid && guestTypeOf(r) !== undefined);
  if (!row?.node) {
    throw new RetryableProviderError(`clone source ${vmid} does not exist (yet)`, {
      code: 'E_PVE_CLONE_SOURCE',
      hint: 'declare the source template in the config or create it first',
    });
  }
  return row.node;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
