/**
 * The executor: walks a plan's apply graph and carries out each change through its handler.
 *
 * Scheduling: a resource is ready when everything it waits for has succeeded. Among ready
 * resources the one with the longest remaining path (critical-path priority) starts first,
 * within a global limit, a per-node limit and lock keys (resources sharing a key never run
 * their mutating calls together). A slot is never left idle while some ready resource fits.
 * Lock keys and the global slot are held only for the mutating calls; the health wait that
 * follows keeps only the node slot.
 *
 * Phases: a phased create (see graph/transform-phases.ts) runs as two nodes, create+configure and
 * start (+ health); a failed dependency then skips only the start of its dependents, whose
 * creation is kept. Health is awaited where the change says `wait`, or where something in the
 * apply graph waits for the resource (`when-needed`).
 *
 * Failure: a failed resource's dependents are `skipped` (reason `upstream failed`); retryable
 * errors are retried with backoff first. Cancellation: when `signal` aborts, nothing new
 * starts, in-flight steps finish and are journalled, the rest is `skipped` (`cancelled`).
 * `abortInFlight` is passed to handlers to interrupt running steps (a second Ctrl-C).
 *
 * This file is the orchestrator and is allowed to be larger than most (STYLE.md 24).
 */
import { ApplyError } from '../../errors.ts';
import { buildApplyGraph } from '../graph/build.ts';
import { remainingPath } from '../graph/critical-path.ts';
import { isPhased, nodeStep } from '../graph/transform-phases.ts';
import type {
  AnyResourceHandler,
  ApplyContext,
  ApplyResponse,
  HandlerRegistry,
  ObservedResource,
  Resource,
} from '../handler.ts';
import { composeHooks, NoopHook, type Hook, type Outcome } from '../hook.ts';
import { nullJournal, type Journal } from '../journal.ts';
import { isMutating, type Action, type Plan, type ResourceChange } from '../plan/types.ts';
import {
  backoffDelay,
  DEFAULT_HEALTH,
  DEFAULT_RETRY,
  shouldRetry,
  sleep as realSleep,
  waitHealthy,
  type HealthPolicy,
  type RetryPolicy,
  type Sleep,
} from './timing.ts';

export interface ExecuteInput {
  /** The plan to carry out; a plan with `applyable: false` is refused. */
  plan: Pick<Plan, 'changes'> & Partial<Pick<Plan, 'applyable'>>;
  /** Desired resources by address (from the planner's result). */
  resources: ReadonlyMap<string, Resource>;
  /** Observations the plan was made from, by address. */
  observations: ReadonlyMap<string, ObservedResource>;
  registry: HandlerRegistry;
  /** Max steps in flight overall (default 8). */
  concurrency?: number;
  /** Max steps in flight per node (default 4). */
  perNodeConcurrency?: number;
  /** Stop starting new work when aborted (Ctrl-C). */
  signal?: AbortSignal;
  /** Interrupt running steps when aborted (passed to handlers as `ctx.signal`). */
  abortInFlight?: AbortSignal;
  hook?: Hook;
  journal?: Journal;
  retry?: Partial<RetryPolicy>;
  health?: Partial<HealthPolicy>;
  /**
   * Expected duration of a change, for critical-path priority. Default: the handler's
   * `estimateDuration`, else 1 per mutating step.
   */
  estimateDuration?: (change: ResourceChange) => number;
  now?: () => number;
  sleep?: Sleep;
  random?: () => number;
}

export interface ResourceOutcome {
  address: string;
  action: Action;
  outcome: Outcome;
  /** For `skipped`: `upstream failed: <address>` or `cancelled`. */
  reason?: string;
  error?: unknown;
  attempts: number;
  durationMs: number;
}

export interface ExecuteResult {
  outcomes: Map<string, ResourceOutcome>;
  /** Every change ended `created`/`updated`/`deleted`/`unchanged`. */
  succeeded: boolean;
  cancelled: boolean;
  durationMs: number;
}

interface Slotting {
  node?: string;
  lockKeys: readonly string[];
}

export async function executePlan(input: ExecuteInput): Promise<ExecuteResult> {
  if (input.plan.applyable === false) {
    throw new ApplyError('this plan has errors and cannot be applied', {
      code: 'E_PLAN_NOT_APPLYABLE',
      hint: 'fix the errors shown by `phoenix plan` first',
    });
  }
  // Wrapped so that a throwing view can never break the walk.
  const hook = composeHooks(input.hook ?? new NoopHook());
  const journal = input.journal ?? nullJournal;
  const now = input.now ?? (() => performance.now());
  const sleepFn = input.sleep ?? realSleep;
  const retry: RetryPolicy = { ...DEFAULT_RETRY, ...input.retry };
  const health: HealthPolicy = { ...DEFAULT_HEALTH, ...input.health };
  const concurrency = Math.max(1, input.concurrency ?? 8);
  const perNode = Math.max(1, input.perNodeConcurrency ?? 4);
  const inFlightSignal = input.abortInFlight ?? new AbortController().signal;
  const started = now();

  const changes = new Map(input.plan.changes.map((c) => [c.address, c]));
  /** Outcomes of the apply graph's nodes (a phased create has two: see `resultOf`). */
  const outcomes = new Map<string, ResourceOutcome>();
  const changeOf = (node: string): ResourceChange => changes.get(nodeStep(node).address) as ResourceChange;
  /** The observation a phased create's first step returned, for its start step. */
  const created = new Map<string, unknown>();
  const { graph, diagnostics } = buildApplyGraph({ changes: input.plan.changes });
  const cycle = diagnostics.find((d) => d.code === 'E_DEPENDENCY_CYCLE');
  if (cycle) throw new ApplyError(cycle.message, { code: cycle.code, hint: cycle.hint });
  for (const change of input.plan.changes) {
    if (!graph.has(change.address)) {
      outcomes.set(change.address, {
        address: change.address,
        action: change.action,
        outcome: 'unchanged',
        attempts: 0,
        durationMs: 0,
      });
    }
  }
  const estimate =
    input.estimateDuration ??
    ((c: ResourceChange): number => {
      if (!isMutating(c.action)) return 0;
      const byHandler = input.registry.get(c.kind)?.estimateDuration?.({ change: c });
      return byHandler !== undefined && Number.isFinite(byHandler) && byHandler > 0 ? byHandler : 1;
    });
  const priority = remainingPath(graph, (node) => {
    const change = changes.get(nodeStep(node).address);
    if (!change) return 0;
    // A start is short next to a create; it still counts so chains of starts rank first.
    return nodeStep(node).step === 'start' ? Math.max(1, estimate(change) / 4) : estimate(change);
  });
  const slotting = (node: string): Slotting => {
    const { address, step } = nodeStep(node);
    // An unchanged resource only passes ordering through: it takes no lock and no node slot.
    if (!isMutating(changes.get(address)?.action ?? 'noop')) return { lockKeys: [] };
    const resource = input.resources.get(address);
    return {
      node: resource?.node ?? input.observations.get(address)?.node,
      // Lock keys guard creation (a clone source); a start takes none.
      lockKeys: step === 'start' ? [] : (resource?.lockKeys ?? []),
    };
  };
  /** Wait for health after this node? Always, unless the change says `when-needed` and nothing waits for it. */
  const healthNeeded = (node: string): boolean =>
    changeOf(node).health !== 'when-needed' || graph.dependentsOf(node).length > 0;

  const waiting = new Map<string, number>();
  const ready = new Set<string>();
  for (const node of graph.nodes()) {
    const n = graph.dependenciesOf(node).length;
    waiting.set(node, n);
    if (n === 0) ready.add(node);
  }
  /** Steps in progress (termination) vs. global slots in use (scheduling): see `release`. */
  let running = 0;
  let slotsUsed = 0;
  const perNodeRunning = new Map<string, number>();
  const heldLocks = new Set<string>();
  let cancelled = (input.signal?.aborted ?? false) || inFlightSignal.aborted;

  const finishSkipped = (node: string, reason: string): void => {
    if (outcomes.has(node)) return;
    const { address, step } = nodeStep(node);
    const change = changeOf(node);
    // The start of a guest that was created: say so, its creation is kept.
    const madeBefore = step === 'start' && outcomes.get(address)?.outcome === 'created';
    const why = madeBefore ? `${reason} (created; not started)` : reason;
    outcomes.set(node, { address, action: change.action, outcome: 'skipped', reason: why, attempts: 0, durationMs: 0 });
    hook.postApply({
      address,
      kind: change.kind,
      action: change.action,
      outcome: 'skipped',
      durationMs: 0,
      reason: why,
    });
  };
  const skipDownstream = (failed: string): void => {
    const stack = graph.dependentsOf(failed);
    while (stack.length > 0) {
      const node = stack.pop() as string;
      if (outcomes.has(node)) continue;
      ready.delete(node);
      finishSkipped(node, `upstream failed: ${nodeStep(failed).address}`);
      stack.push(...graph.dependentsOf(node));
    }
  };

  return new Promise<ExecuteResult>((resolve) => {
    let finished = false;
    const done = (): void => {
      if (finished) return;
      finished = true;
      input.signal?.removeEventListener('abort', onAbort);
      inFlightSignal.removeEventListener('abort', onAbort);
      if (cancelled) for (const node of graph.nodes()) finishSkipped(node, 'cancelled');
      // Anything never started (cannot happen while the walk is sound) is work left undone.
      for (const node of graph.nodes()) finishSkipped(node, 'not started');
      const byAddress = resultOf(changes, outcomes);
      const all = [...byAddress.values()];
      resolve({
        outcomes: byAddress,
        succeeded: all.length === changes.size && all.every((o) => o.outcome !== 'failed' && o.outcome !== 'skipped'),
        cancelled,
        durationMs: now() - started,
      });
    };
    const onAbort = (): void => {
      cancelled = true;
      if (running === 0) done();
    };
    input.signal?.addEventListener('abort', onAbort, { once: true });
    // Interrupting running steps also stops new ones from starting.
    inFlightSignal.addEventListener('abort', onAbort, { once: true });

    const pump = (): void => {
      if (cancelled) {
        if (running === 0) done();
        return;
      }
      const order = [...ready].sort((a, b) => (priority.get(b) ?? 0) - (priority.get(a) ?? 0) || a.localeCompare(b));
      for (const address of order) {
        if (slotsUsed >= concurrency) break;
        if (!ready.has(address)) continue;
        const slot = slotting(address);
        if (slot.node !== undefined && (perNodeRunning.get(slot.node) ?? 0) >= perNode) continue;
        if (slot.lockKeys.some((k) => heldLocks.has(k))) continue;
        ready.delete(address);
        running += 1;
        slotsUsed += 1;
        if (slot.node !== undefined) perNodeRunning.set(slot.node, (perNodeRunning.get(slot.node) ?? 0) + 1);
        for (const key of slot.lockKeys) heldLocks.add(key);
        // Lock keys and the global slot are released as soon as the mutating calls are done:
        // waiting for health holds no lock in the system and costs no API capacity, so it must
        // not serialise clones of one source. The node slot is kept until healthy (booting
        // guests load their node).
        let released = false;
        const release = (): void => {
          if (released) return;
          released = true;
          slotsUsed -= 1;
          for (const key of slot.lockKeys) heldLocks.delete(key);
          if (!cancelled) pump();
        };
        const settle = (result: ResourceOutcome): void => {
          // Record the outcome and its consequences (dependents ready or skipped) BEFORE the step
          // stops counting as running: otherwise `pump` could see nothing running and nothing
          // ready, resolve the apply, and then start the dependents after the caller has closed
          // the journal ("The database connection is not open" after "Apply complete!").
          outcomes.set(address, result);
          if (result.outcome === 'failed') skipDownstream(address);
          else {
            for (const dependent of graph.dependentsOf(address)) {
              const left = (waiting.get(dependent) ?? 1) - 1;
              waiting.set(dependent, left);
              if (left === 0 && !outcomes.has(dependent)) ready.add(dependent);
            }
          }
          running -= 1;
          if (slot.node !== undefined) perNodeRunning.set(slot.node, (perNodeRunning.get(slot.node) ?? 1) - 1);
          release();
          pump();
        };
        void runStep(address, release).then(settle, (error: unknown) =>
          settle({
            address: nodeStep(address).address,
            action: changes.get(nodeStep(address).address)?.action ?? 'noop',
            outcome: 'failed',
            error,
            attempts: 1,
            durationMs: 0,
          }),
        );
      }
      if (running === 0 && (ready.size === 0 || cancelled)) done();
    };

    const runStep = async (node: string, onMutated: () => void): Promise<ResourceOutcome> => {
      const { address, step } = nodeStep(node);
      const change = changeOf(node);
      const stepStart = now();
      const base = { address, action: change.action };
      if (!isMutating(change.action)) {
        return { ...base, outcome: 'unchanged', attempts: 0, durationMs: 0 };
      }
      const handler = input.registry.get(change.kind);
      const phased = isPhased(change);
      // A phased create is one change for a person: announced at its first step, done at its start.
      if (step === 'main') hook.preApply({ address, kind: change.kind, action: change.action });
      let attempts = 0;
      try {
        if (!handler) {
          throw new ApplyError(`no handler for kind ${change.kind}`, { code: 'E_UNKNOWN_KIND', resource: address });
        }
        const phases: Phase[] = step === 'start' ? ['start'] : phasesOf(change.action);
        for (const phase of phases) {
          attempts += await runPhase(handler, change, phase, phased);
        }
        const resource = input.resources.get(address);
        onMutated();
        if (phased && step === 'main') {
          hook.progress({ address, message: 'created and configured; starts when what it depends on is up' });
          return { ...base, outcome: 'created', attempts, durationMs: now() - stepStart };
        }
        if (resource && change.action !== 'delete' && healthNeeded(node)) {
          await waitHealthy(handler, resource, { signal: inFlightSignal, hook }, health, { now, sleep: sleepFn });
        }
        const outcome = outcomeOf(change.action);
        const durationMs = now() - stepStart + (step === 'start' ? (outcomes.get(address)?.durationMs ?? 0) : 0);
        hook.postApply({ address, kind: change.kind, action: change.action, outcome, durationMs });
        return { ...base, outcome, attempts, durationMs };
      } catch (error) {
        const durationMs = now() - stepStart;
        hook.postApply({ address, kind: change.kind, action: change.action, outcome: 'failed', durationMs, error });
        return { ...base, outcome: 'failed', error, attempts: Math.max(attempts, 1), durationMs };
      }
    };

    /** One phase (create, update, delete) with retries; returns the number of attempts. */
    const runPhase = async (
      handler: AnyResourceHandler,
      change: ResourceChange,
      phase: Phase,
      deferStart: boolean,
    ): Promise<number> => {
      const address = change.address;
      for (let attempt = 1; ; attempt += 1) {
        const stepId = await journal.begin({ address, kind: change.kind, action: phase, attempt });
        const ctx: ApplyContext = {
          signal: inFlightSignal,
          hook,
          attempt,
          journal: { note: (data) => journal.note(stepId, data) },
        };
        try {
          await callHandler(handler, change, phase, ctx, deferStart);
          await journal.succeed(stepId, outcomeOf(phase));
          return attempt;
        } catch (error) {
          await journal.fail(stepId, error instanceof Error ? error.message : String(error));
          if (!shouldRetry(error, attempt, retry) || cancelled || inFlightSignal.aborted) throw error;
          const delay = backoffDelay(retry, attempt, input.random);
          hook.progress({
            address,
            message: `retrying in ${delay} ms after: ${error instanceof Error ? error.message : String(error)}`,
          });
          await sleepFn(delay, inFlightSignal);
          if (cancelled) {
            throw new ApplyError(`${address}: cancelled before retry ${attempt + 1}`, {
              code: 'E_CANCELLED',
              resource: address,
              cause: error,
            });
          }
        }
      }
    };

    const callHandler = async (
      handler: AnyResourceHandler,
      change: ResourceChange,
      phase: Phase,
      ctx: ApplyContext,
      deferStart: boolean,
    ): Promise<void> => {
      const resource = input.resources.get(change.address);
      const observed = input.observations.get(change.address)?.observed ?? null;
      const forward = (response: ApplyResponse<unknown>): void => {
        for (const d of response.diagnostics ?? []) {
          hook.diagnostic({ severity: d.severity, message: d.message, address: change.address });
        }
      };
      if (phase === 'delete') {
        forward(await handler.delete({ ctx, address: change.address, observed, change }));
        return;
      }
      if (!resource) {
        throw new ApplyError(`${change.address} is in the plan but not in the configuration`, {
          code: 'E_PLAN_MISMATCH',
          resource: change.address,
        });
      }
      if (phase === 'start') {
        if (!handler.power)
          throw new ApplyError(`${change.kind} cannot be started`, { code: 'E_NO_POWER', resource: change.address });
        await handler.power({ ctx, resource, action: 'start', observed: created.get(change.address) ?? observed });
        return;
      }
      if (phase === 'create') {
        const response = await handler.create({ ctx, resource, change, ...(deferStart ? { deferStart } : {}) });
        if (response.observed !== undefined) created.set(change.address, response.observed);
        forward(response);
      } else
        forward(await handler.update({ ctx, resource, observed, change, restart: change.action === 'update-restart' }));
    };

    pump();
  });
}

type Phase = 'create' | 'update' | 'update-restart' | 'delete' | 'start';

/**
 * One outcome per planned change: a phased create's two nodes fold into one (its start's outcome,
 * unless creation itself failed or was skipped; durations and attempts add up).
 */
function resultOf(
  changes: ReadonlyMap<string, ResourceChange>,
  byNode: ReadonlyMap<string, ResourceOutcome>,
): Map<string, ResourceOutcome> {
  const out = new Map<string, ResourceOutcome>();
  for (const [node, outcome] of byNode) {
    const { address, step } = nodeStep(node);
    if (step === 'main' && !out.has(address)) out.set(address, outcome);
    if (step !== 'start') continue;
    const first = byNode.get(address);
    if (!first || first.outcome === 'failed' || first.outcome === 'skipped') continue;
    // Its start was skipped (a dependency failed) while its creation went through: say so.
    const note = ' (created; not started)';
    const reason =
      outcome.outcome === 'skipped' && outcome.reason !== undefined && !outcome.reason.endsWith(note)
        ? `${outcome.reason}${note}`
        : outcome.reason;
    out.set(address, { ...outcome, attempts: first.attempts + outcome.attempts, ...(reason ? { reason } : {}) });
  }
  for (const address of out.keys()) if (!changes.has(address)) out.delete(address);
  return out;
}

function phasesOf(action: Action): Phase[] {
  if (action === 'replace') return ['delete', 'create'];
  if (action === 'create' || action === 'update' || action === 'update-restart' || action === 'delete') return [action];
  return [];
}

function outcomeOf(action: Action | 'start'): Outcome {
  if (action === 'start') return 'updated';
  if (action === 'create' || action === 'replace') return 'created';
  if (action === 'delete') return 'deleted';
  if (action === 'update' || action === 'update-restart') return 'updated';
  return 'unchanged';
}
