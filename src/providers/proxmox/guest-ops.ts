/**
 * Small, individually safe guest operations: wait for a task, wait for a config lock to clear,
 * start/stop/reboot towards a target state, destroy. Each checks the current state first so
 * that repeating it (after a retry or a resumed apply) never does the work twice.
 */
import type { GuestApi, ProxmoxClient } from '../../clients/proxmox/index.ts';
import { isNotFound, ProxmoxTaskError } from '../../clients/proxmox/index.ts';
import { ProviderError } from '../../errors.ts';
import { RetryableProviderError } from '../pve-retry.ts';
import { isOwnedConfig } from './observe.ts';
import { parseTags } from './property-string.ts';
import { DEFAULT_RESTART, type GuestType, type RestartSpec } from './spec.ts';

export interface OpsContext {
  client: ProxmoxClient;
  signal?: AbortSignal;
  /** Upper bound for one task or lock wait (ms). */
  taskTimeoutMs: number;
  sleep: (ms: number) => Promise<void>;
  /** This environment: only its guests (or untagged-environment legacy ones) are ever deleted. */
  environment?: string;
  /** Records in-flight task ids in the journal (never secrets). */
  note?: (data: Record<string, unknown>) => void | Promise<void>;
}

export interface GuestRef {
  vmid: number;
  node: string;
  type: GuestType;
  address: string;
}

export function guestApiOf(client: ProxmoxClient, type: GuestType): GuestApi {
  return type === 'lxc' ? client.lxc : client.qemu;
}

/** `taskType`: a more precise type than the UPID's, for the expected duration (`qmclone:full`). */
export async function waitTask(
  ctx: OpsContext,
  node: string,
  upid: string | null,
  address: string,
  taskType?: string,
): Promise<void> {
  if (!upid) return;
  await ctx.note?.({ upid, node });
  await ctx.client.waitForTask(node, upid, {
    timeoutMs: ctx.taskTimeoutMs,
    signal: ctx.signal,
    resource: address,
    ...(taskType ? { taskType } : {}),
  });
}

/** Current power state and lock, or undefined when the guest does not exist. */
export async function guestStatus(
  ctx: OpsContext,
  g: GuestRef,
): Promise<{ status: string; lock?: string; template: boolean; uptime?: number } | undefined> {
  try {
    const s = await guestApiOf(ctx.client, g.type).status(g.node, g.vmid);
    return {
      status: String(s.status),
      lock: typeof s.lock === 'string' ? s.lock : undefined,
      template: Number(s.template ?? 0) === 1,
      ...(typeof s.uptime === 'number' ? { uptime: s.uptime } : {}),
    };
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/**
 * The last check before a guest is deleted (prune, destroy, replace, a saved plan): it must carry
 * Phoenix's ownership tag (or the marker of a create in progress) right now, whatever the plan said.
 */
async function assertOurs(ctx: OpsContext, g: GuestRef): Promise<void> {
  let config: Record<string, unknown>;
  try {
    config = await guestApiOf(ctx.client, g.type).config(g.node, g.vmid);
  } catch (error) {
    if (isNotFound(error)) return;
    throw error;
  }
  const tags = parseTags(typeof config.tags === 'string' ? config.tags : undefined);
  if (isOwnedConfig(tags, config, ctx.environment)) return;
  throw new ProviderError(`refusing to delete guest ${g.vmid}: it does not carry Phoenix's ownership tag`, {
    code: 'E_NOT_OWNED',
    resource: g.address,
    hint: 'Phoenix deletes only guests it created or adopted (tagged by an apply)',
  });
}

/**
 * Waits (bounded) until no long-running operation holds the guest's config lock: a clone or
 * create still running from an earlier, interrupted apply finishes instead of being raced.
 */
export async function waitUnlocked(ctx: OpsContext, g: GuestRef): Promise<void> {
  const deadline = Date.now() + ctx.taskTimeoutMs;
  let delay = 100;
  for (let i = 0; i < 10_000; i++) {
    // The config is where PVE keeps the lock (`lock: create|clone|disk|...`); read it there.
    let lock: string | undefined;
    try {
      const config = await guestApiOf(ctx.client, g.type).config(g.node, g.vmid);
      lock = typeof config.lock === 'string' ? config.lock : undefined;
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    const s = { lock };
    if (!s.lock) return;
    if (Date.now() > deadline) {
      throw new RetryableProviderError(`guest ${g.vmid} is still locked (${s.lock})`, {
        code: 'E_PVE_LOCKED',
        resource: g.address,
        hint: 'an operation on this guest is still running in Proxmox; apply again when it has finished',
      });
    }
    ctx.signal?.throwIfAborted();
    await ctx.sleep(delay);
    delay = Math.min(delay * 2, 1000);
  }
  throw new RetryableProviderError(`guest ${g.vmid} is still locked`, { code: 'E_PVE_LOCKED', resource: g.address });
}

export async function ensureRunning(ctx: OpsContext, g: GuestRef): Promise<void> {
  const s = await guestStatus(ctx, g);
  if (s?.status === 'running') return;
  const upid = await guestApiOf(ctx.client, g.type).start(g.node, g.vmid);
  await waitTask(ctx, g.node, upid, g.address);
}

export async function ensureStopped(ctx: OpsContext, g: GuestRef): Promise<void> {
  const s = await guestStatus(ctx, g);
  if (!s || s.status !== 'running') return;
  const upid = await guestApiOf(ctx.client, g.type).stop(g.node, g.vmid);
  await waitTask(ctx, g.node, upid, g.address);
}

/**
 * Shuts a running guest down cleanly (`status/shutdown`: ACPI for a VM, the container's init for
 * a CT), waiting at most the policy's timeout. When it is still up then, the declared fallback
 * decides: a hard `status/stop` (journalled as such), or an error that leaves it running.
 */
export async function shutdownGuest(
  ctx: OpsContext,
  g: GuestRef,
  policy: RestartSpec = DEFAULT_RESTART,
): Promise<void> {
  const s = await guestStatus(ctx, g);
  if (!s || s.status !== 'running') return;
  const timeout = policy.shutdownTimeoutSec;
  try {
    const upid = await guestApiOf(ctx.client, g.type).shutdown(g.node, g.vmid, timeout);
    await waitTask(ctx, g.node, upid, g.address);
    return;
  } catch (error) {
    if (!(error instanceof ProxmoxTaskError)) throw error;
    if ((await guestStatus(ctx, g))?.status !== 'running') return;
    if (policy.fallback === 'fail') {
      throw new ProviderError(`guest ${g.vmid} did not shut down within ${timeout} s; it is left running`, {
        code: 'E_PVE_SHUTDOWN_TIMEOUT',
        resource: g.address,
        cause: error,
        hint: 'shut it down by hand, or declare restart: { fallback: stop } (a hard power-off) or a longer shutdownTimeout',
      });
    }
    await ctx.note?.({ shutdown: 'timed out', fallback: 'stop' });
  }
  await ensureStopped(ctx, g);
}

/**
 * Restart to pick up pending changes: clean shutdown (see `shutdownGuest`) then start. Not a
 * reboot: a reboot may keep pending values.
 */
export async function restart(ctx: OpsContext, g: GuestRef, policy: RestartSpec = DEFAULT_RESTART): Promise<void> {
  await shutdownGuest(ctx, g, policy);
  await ensureRunning(ctx, g);
}

/** Does the guest have config changes waiting for a restart (`GET …/pending`)? */
export async function hasPendingChanges(ctx: OpsContext, g: GuestRef): Promise<boolean> {
  const rows = await guestApiOf(ctx.client, g.type).pending(g.node, g.vmid);
  return rows.some((r) => r.pending !== undefined || Boolean(r.delete));
}

/** Destroys a guest with its disks; a guest that is already gone counts as destroyed. */
export async function destroyGuest(ctx: OpsContext, g: GuestRef): Promise<void> {
  const s = await guestStatus(ctx, g);
  if (!s) return;
  await assertOurs(ctx, g);
  if (s.lock) await waitUnlocked(ctx, g);
  await ensureStopped(ctx, g);
  try {
    const upid = await guestApiOf(ctx.client, g.type).destroy(g.node, g.vmid, {
      purge: 1,
      'destroy-unreferenced-disks': 1,
    });
    await waitTask(ctx, g.node, upid, g.address);
  } catch (error) {
    if (isNotFound(error)) return;
    if (error instanceof ProxmoxTaskError && (await guestStatus(ctx, g)) === undefined) return;
    throw error;
  }
}
