/**
 * The core loop over one environment: plan (observe + diff), and apply under the lease with a
 * journal in the state file. Commands call these; nothing here prints.
 */
import { isRetryable } from '../clients/proxmox/index.ts';
import { CliError } from '../errors.ts';
import type { Hook } from '../engine/hook.ts';
import {
  executePlan,
  isMutating,
  makePlan,
  prepareSavedPlan,
  type ExecuteResult,
  type Plan,
  type PlanResult,
  type RetryPolicy,
} from '../engine/index.ts';
import { targetLeaseManager, type TargetLease } from '../providers/pve-host/target-lease.ts';
import { guestAddress } from '../providers/proxmox/spec.ts';
import { stateJournal } from './journal-adapter.ts';
import type { Phoenix } from './create-phoenix.ts';
import { explainUnreachable } from './reachability.ts';
import { holdBackUnreachable } from './unreachable.ts';
import { notManagedDiagnostics } from './providers.ts';

export interface PlanOptions {
  targets?: string[];
  prune?: boolean;
  /**
   * An undeclared target that is no longer found is gone, not unknown (the check after an apply
   * that deleted it); otherwise it is refused as an unknown resource.
   */
  goneTargetsDone?: boolean;
  hook?: Hook;
  signal?: AbortSignal;
}

/**
 * Resolves what a user typed for `--target` / `start <id>`: a vmid (`101`), a guest name
 * (`nginx-gateway`) or an address (`guest.101`, `template.debian-12.pve`).
 */
export function resolveTarget(phoenix: Phoenix, text: string, options: { undeclaredGuests?: boolean } = {}): string {
  const addresses = new Set(phoenix.resources.map((r) => r.address));
  if (addresses.has(text)) return text;
  // How users name a resource (a vmid, a guest name) is each provider's to say.
  for (const provider of phoenix.providers) {
    const address = provider.resolveName?.(text, phoenix.resources);
    if (address) return address;
  }
  // A guest id that is not declared may be a managed guest that left the config: planning looks
  // for it among the managed guests it finds (and reports an unknown target when it is not one).
  if (options.undeclaredGuests && /^\d+$/.test(text)) return guestAddress(Number(text));
  if (options.undeclaredGuests && /^guest\.\d+$/.test(text)) return text;
  throw new CliError(`unknown resource '${text}'`, {
    code: 'E_UNKNOWN_TARGET',
    hint: `use a guest id, a guest name or an address; known: ${[...addresses].slice(0, 12).join(', ')}`,
  });
}

export async function planEnvironment(phoenix: Phoenix, options: PlanOptions = {}): Promise<PlanResult> {
  const targets = (options.targets ?? []).map((t) => resolveTarget(phoenix, t, { undeclaredGuests: true }));
  const result = await makePlan({
    resources: phoenix.resources,
    registry: phoenix.registry,
    // The kinds providers ask to discover always (managed guests: one left out of the config is
    // worth showing); with --prune every kind is, so Phoenix's own bridges, rules or users are found even when
    // the config no longer declares anything of their kind.
    kinds: options.prune ? phoenix.registry.kinds() : phoenix.providers.flatMap((p) => p.alwaysDiscover ?? []),
    prune: options.prune ?? false,
    targets,
    hook: options.hook,
    signal: options.signal,
    observeConcurrency: 16,
  });
  if (result.plan.errored) await explainUnreachable(phoenix);
  result.plan.diagnostics.push(...notManagedDiagnostics(phoenix.unmanagedSections));
  holdBackUnreachable(result.plan);
  if (options.goneTargetsDone) {
    const plan = result.plan;
    plan.diagnostics = plan.diagnostics.filter((d) => d.code !== 'E_UNKNOWN_TARGET');
    plan.errored = plan.diagnostics.some((d) => d.severity === 'error');
    plan.applyable = !plan.errored;
  }
  // An undeclared guest id that planning did not find among the managed guests: the same error
  // as a typo in a declared one.
  const unknown = result.plan.diagnostics.find((d) => d.code === 'E_UNKNOWN_TARGET');
  if (unknown) {
    const typed = options.targets?.[targets.indexOf(unknown.address ?? '')] ?? unknown.address;
    throw new CliError(`unknown resource '${typed}'`, {
      code: 'E_UNKNOWN_TARGET',
      hint: `${unknown.address} is neither declared nor a guest Phoenix manages; use a guest id, a guest name or an address`,
    });
  }
  return result;
}

/** Re-observes for a saved plan and refuses it when stale (see engine `prepareSavedPlan`). */
export async function prepareSaved(phoenix: Phoenix, saved: Plan, options: PlanOptions = {}): Promise<PlanResult> {
  return prepareSavedPlan(saved, {
    resources: phoenix.resources,
    registry: phoenix.registry,
    // Re-observe what the plan observed: with --prune, every kind (see planEnvironment).
    kinds: saved.options.prune ? phoenix.registry.kinds() : phoenix.providers.flatMap((p) => p.alwaysDiscover ?? []),
    hook: options.hook,
    signal: options.signal,
  });
}

export interface ApplyOptions {
  hook?: Hook;
  /** Stop starting new work (Ctrl-C). */
  signal?: AbortSignal;
  concurrency?: number;
  perNodeConcurrency?: number;
  /** Health wait bound per resource (ms). */
  healthTimeoutMs?: number;
  /** Executor retries of retryable failures (tests shorten them). */
  retry?: Partial<RetryPolicy>;
  /**
   * The lease, when the caller took it before planning (`acquireApplyLease`); it is then kept
   * (the caller releases it). Without it, applyPlan takes and releases the lease itself.
   */
  lease?: ApplyLease;
  /**
   * How to check, after an apply whose every step succeeded, that the plan's work is done: a
   * fresh plan (default: the same targets and prune flag as the applied plan), or `false` not to.
   */
  verify?: false | (() => Promise<PlanResult>);
}

/** A change that a plan made right after the apply still shows: work left undone. */
export interface PendingChange {
  address: string;
  action: string;
  reasons: string[];
}

export interface ApplyResult extends ExecuteResult {
  /** The run recorded in the state file. */
  runId: string;
  /** Changes still planned after the apply (empty when converged or not checked). */
  pending: PendingChange[];
  /** Why convergence could not be checked (the verifying plan failed), if it could not. */
  unverified?: string;
}

export interface ApplyLease {
  readonly holderId: string;
  /**
   * Takes the lease on the Proxmox target too (applyPlan calls it only when the plan changes
   * something, so an apply with nothing to do still sends zero mutating requests).
   */
  engage(): Promise<void>;
  /** Aborted when a lease is lost mid-apply (taken over after it expired): start nothing new. */
  readonly lost: AbortSignal;
  release(): Promise<void>;
}

/**
 * Gives the target lease back. The apply's work is done by now: a failed release (the target
 * answering 5xx, unreachable) must not turn it into a failure or hide its result. It is tried a
 * few times; if it still fails the alias expires on its own (its expiry is in its comment), and
 * the state file records why, for `phoenix lease` and the history to show.
 */
async function releaseTargetLease(phoenix: Phoenix, held: TargetLease): Promise<void> {
  const delays = [250, 1_000, 2_000];
  for (let attempt = 0; ; attempt++) {
    try {
      await held.release();
      return;
    } catch (error) {
      const delay = delays[attempt];
      if (delay === undefined) {
        phoenix.state().events.add({
          level: 'warning',
          type: 'lease.release-failed',
          message: `the lease on the Proxmox target was not released (it expires on its own): ${error instanceof Error ? error.message : String(error)}`,
        });
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/**
 * The target lease is taken with a few quick retries of transient answers (5xx, 596): a lost
 * read of the lease alias must not fail an apply before it starts. The acquire re-reads before
 * it writes, so a repeat never takes the lease twice.
 */
async function acquireWithRetries<T>(acquire: () => Promise<T>): Promise<T> {
  const delays = [200, 500, 1_000];
  for (let attempt = 0; ; attempt++) {
    try {
      return await acquire();
    } catch (error) {
      const delay = delays[attempt];
      if (delay === undefined || !isRetryable(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/**
 * Takes the environment's lease: the local one in the state file (it also guards the journal),
 * and checks the one on the Proxmox target (a firewall alias, see pve-host/target-lease.ts)
 * without writing. Commands take it BEFORE planning, so a second apply, from this checkout or
 * any other, is refused at once instead of after printing its whole plan.
 */
export async function acquireApplyLease(phoenix: Phoenix): Promise<ApplyLease> {
  const lost = new AbortController();
  const local = phoenix.state().leases.acquire(phoenix.environment);
  local.keepAlive(undefined, (error) => lost.abort(error));
  const target = targetLeaseManager({
    client: phoenix.client,
    endpoint: phoenix.endpointKind === 'simulator' ? 'the built-in simulator' : phoenix.environment,
    environment: phoenix.environment,
    holder: local.holderId,
  });
  try {
    await target.check();
  } catch (error) {
    // Held by someone else (or a foreign alias in its place): refuse now. Anything else (the
    // target unreachable) is reported by the plan with its own explanation.
    const code = (error as { code?: unknown }).code;
    if (code === 'E_TARGET_LEASE_HELD' || code === 'E_TARGET_LEASE_FOREIGN') {
      local.release();
      throw error;
    }
  }
  let held: TargetLease | undefined;
  return {
    holderId: local.holderId,
    lost: lost.signal,
    engage: async () => {
      held ??= await acquireWithRetries(() => target.acquire());
      held.keepAlive((error) => lost.abort(error));
    },
    release: async () => {
      try {
        if (held) await releaseTargetLease(phoenix, held);
      } finally {
        local.release();
      }
    },
  };
}

/**
 * Applies a plan under the environment's lease (a second apply on the same environment fails
 * with a clear error naming the holder), recording every step in the journal first. The run is
 * recorded `succeeded` only when every step succeeded AND a fresh plan shows nothing left to do.
 */
export async function applyPlan(
  phoenix: Phoenix,
  planned: PlanResult,
  options: ApplyOptions = {},
): Promise<ApplyResult> {
  const lease = options.lease ?? (await acquireApplyLease(phoenix));
  const store = phoenix.state();
  let runId: string | undefined;
  let outcome: 'succeeded' | 'failed' | 'interrupted' = 'failed';
  try {
    if (planned.plan.changes.some((c) => isMutating(c.action))) await lease.engage();
    const interrupted = store.runs.recoverInterrupted(phoenix.environment);
    const run = store.runs.start({ environment: phoenix.environment, planHash: planned.plan.observedDigest });
    runId = run.id;
    if (interrupted.length > 0) {
      store.events.add({
        runId: run.id,
        level: 'warning',
        type: 'apply.resumed',
        message: 'previous apply was interrupted; this apply re-observed and finishes its work',
        data: { runs: interrupted.map((r) => r.id) },
      });
    }
    const executed = await executePlan({
      plan: planned.plan,
      resources: planned.resources,
      observations: planned.observations,
      registry: phoenix.registry,
      journal: stateJournal(store, run.id),
      hook: options.hook,
      signal: options.signal ? AbortSignal.any([options.signal, lease.lost]) : lease.lost,
      concurrency: options.concurrency ?? 8,
      perNodeConcurrency: options.perNodeConcurrency ?? 6,
      retry: { maxAttempts: 6, baseDelayMs: 250, maxDelayMs: 5_000, ...options.retry },
      health: { intervalMs: 200, maxIntervalMs: 2_000, timeoutMs: options.healthTimeoutMs ?? 300_000 },
    });
    const result: ApplyResult = { ...executed, runId: run.id, pending: [] };
    if (lease.lost.aborted) {
      // Someone took the lease over (ours had expired): the walk stopped; say why.
      const reason: unknown = lease.lost.reason;
      result.unverified = `lease lost during the apply: ${reason instanceof Error ? reason.message : String(reason)}`;
      result.succeeded = false;
    }
    // Nothing was changed: the plan just made already shows the environment converged, and
    // planning again would double a no-op apply's requests for nothing.
    const changed = planned.plan.changes.some((c) => isMutating(c.action));
    if (result.succeeded && !executed.cancelled && options.verify !== false && changed) {
      await verifyConverged(phoenix, planned, result, options.verify);
    }
    outcome = result.succeeded ? 'succeeded' : result.cancelled ? 'interrupted' : 'failed';
    if (!result.succeeded) recordFailure(store, result);
    return result;
  } finally {
    // Every journal write of the run is done here (the executor resolves only after the last).
    if (runId) store.runs.finish(runId, outcome);
    if (!options.lease) await lease.release();
    phoenix.simulator?.save();
  }
}

/** Re-plans; any change still planned, or a plan that cannot be made, means "not done". */
async function verifyConverged(
  phoenix: Phoenix,
  planned: PlanResult,
  result: ApplyResult,
  verify: (() => Promise<PlanResult>) | undefined,
): Promise<void> {
  const options = planned.plan.options;
  // The same question the plan asked, asked again: a destroy plan is checked by a fresh destroy
  // plan (what Phoenix still owns), any other by a plan of the configuration. A target the plan
  // deleted is gone now, which is what was asked, not an unknown resource.
  const again = async (): Promise<PlanResult> => {
    if (!options.destroy)
      return planEnvironment(phoenix, { targets: options.targets, prune: options.prune, goneTargetsDone: true });
    const { planDestroy } = await import('./destroy.ts');
    return (await planDestroy(phoenix, options.targets, { goneTargetsDone: true })).planned;
  };
  try {
    const after = await (verify ?? again)();
    if (after.plan.errored) {
      const first = after.plan.diagnostics.find((d) => d.severity === 'error');
      result.unverified = first ? `${first.address ? `${first.address}: ` : ''}${first.message}` : 'the plan failed';
    }
    // What this plan set out to do, checked resource by resource: a deletion is done when the
    // object is gone, anything else when the fresh plan has nothing left to change on it.
    const applied = new Map(planned.plan.changes.filter((c) => isMutating(c.action)).map((c) => [c.address, c.action]));
    result.pending = after.plan.changes
      .filter((c) => {
        const action = applied.get(c.address);
        if (action === undefined) return false;
        return action === 'delete' ? after.observations.has(c.address) : isMutating(c.action);
      })
      .map((c) => ({ address: c.address, action: c.action, reasons: c.reasons }));
  } catch (error) {
    result.unverified = error instanceof Error ? error.message : String(error);
  }
  if (result.pending.length > 0 || result.unverified !== undefined) result.succeeded = false;
}

/** The state file says which resources failed, with the API's answer, and what is left to do. */
function recordFailure(store: ReturnType<Phoenix['state']>, result: ApplyResult): void {
  const failed = [...result.outcomes.values()]
    .filter((o) => o.outcome === 'failed')
    .map((o) => ({ address: o.address, message: o.error instanceof Error ? o.error.message : String(o.error) }));
  const skipped = [...result.outcomes.values()]
    .filter((o) => o.outcome === 'skipped')
    .map((o) => ({ address: o.address, reason: o.reason ?? '' }));
  const parts = [
    failed.length > 0 ? `${failed.length} failed (${failed.map((f) => f.address).join(', ')})` : '',
    skipped.length > 0 ? `${skipped.length} skipped` : '',
    result.pending.length > 0 ? `${result.pending.length} still pending` : '',
    result.unverified !== undefined ? `not verified: ${result.unverified}` : '',
  ].filter(Boolean);
  store.events.add({
    runId: result.runId,
    level: 'error',
    type: result.cancelled ? 'apply.interrupted' : 'apply.failed',
    message: parts.join('; ') || 'apply did not complete',
    data: { failed, skipped, pending: result.pending, ...(result.unverified ? { unverified: result.unverified } : {}) },
  });
}
