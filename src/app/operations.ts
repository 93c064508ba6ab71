/**
 * The core loop over one environment: plan (observe + diff), and apply under the lease with a
 * journal in the state file. Commands call these; nothing here prints.
 */
import { CliError } from '../errors.ts';
import type { Hook } from '../engine/hook.ts';
import {
  executePlan,
  makePlan,
  prepareSavedPlan,
  type ExecuteResult,
  type Plan,
  type PlanResult,
} from '../engine/index.ts';
import { GUEST_KIND } from '../providers/proxmox/derive.ts';
import { guestAddress } from '../providers/proxmox/spec.ts';
import { stateJournal } from './journal-adapter.ts';
import type { Phoenix } from './create-phoenix.ts';
import { explainUnreachable } from './reachability.ts';

export interface PlanOptions {
  targets?: string[];
  prune?: boolean;
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
  if (/^\d+$/.test(text) && addresses.has(guestAddress(Number(text)))) return guestAddress(Number(text));
  const byName = phoenix.derived.guests.find((g) => g.desired.name === text);
  if (byName) return byName.address;
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
    // Managed guests are always discovered (a guest left out of the config is worth showing);
    // with --prune every kind is, so Phoenix's own bridges, rules or users are found even when
    // the config no longer declares anything of their kind.
    kinds: options.prune ? phoenix.registry.kinds() : [GUEST_KIND],
    prune: options.prune ?? false,
    targets,
    hook: options.hook,
    signal: options.signal,
    observeConcurrency: 16,
  });
  if (result.plan.errored) await explainUnreachable(phoenix);
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
    kinds: saved.options.prune ? phoenix.registry.kinds() : [GUEST_KIND],
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
}

/**
 * Applies a plan under the environment's lease (a second apply on the same environment fails
 * with a clear error naming the holder), recording every step in the journal first.
 */
export async function applyPlan(
  phoenix: Phoenix,
  planned: PlanResult,
  options: ApplyOptions = {},
): Promise<ExecuteResult> {
  const store = phoenix.state();
  const lease = store.leases.acquire(phoenix.environment);
  lease.keepAlive();
  const interrupted = store.runs.recoverInterrupted(phoenix.environment);
  const run = store.runs.start({ environment: phoenix.environment, planHash: planned.plan.observedDigest });
  let result: ExecuteResult | undefined;
  try {
    if (interrupted.length > 0) {
      store.events.add({
        runId: run.id,
        level: 'warning',
        type: 'apply.resumed',
        message: 'previous apply was interrupted; this apply re-observed and finishes its work',
        data: { runs: interrupted.map((r) => r.id) },
      });
    }
    result = await executePlan({
      plan: planned.plan,
      resources: planned.resources,
      observations: planned.observations,
      registry: phoenix.registry,
      journal: stateJournal(store, run.id),
      hook: options.hook,
      signal: options.signal,
      concurrency: options.concurrency ?? 8,
      perNodeConcurrency: options.perNodeConcurrency ?? 6,
      retry: { maxAttempts: 6, baseDelayMs: 250, maxDelayMs: 5_000 },
      health: { intervalMs: 200, maxIntervalMs: 2_000, timeoutMs: options.healthTimeoutMs ?? 300_000 },
    });
    return result;
  } finally {
    store.runs.finish(run.id, result?.succeeded ? 'succeeded' : result?.cancelled ? 'interrupted' : 'failed');
    lease.release();
    phoenix.simulator?.save();
  }
}
