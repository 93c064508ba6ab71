/**
 * The reconcile loop of `phoenix serve`. Level-based: every trigger (poll, webhook, API,
 * self-heal timer, startup) leads to the same run — read the source head, check out and
 * validate a new revision, plan against the systems, then apply, hold or report according to
 * the revision's `gitops:` policy. One job at a time (a queue with merged triggers): the
 * daemon never runs two applies, and the environment lease keeps it apart from CLI applies.
 *
 * A revision that fails validation is recorded with its located errors and never applied; the
 * last good revision stays in force (self-heal keeps reconciling it). Stop (SIGTERM) stops
 * starting new work, lets the resource in flight finish (the executor journals it) and waits.
 */
import type { Phoenix } from '../app/create-phoenix.ts';
import type { EnvironmentIdentity } from '../app/environment-id.ts';
import { applyPlan, planEnvironment, prepareSaved } from '../app/operations.ts';
import { UNREACHABLE_CODE } from '../app/unreachable.ts';
import { validateConfig } from '../config/index.ts';
import { NoopHook, planHasChanges, summarizePlan, type Plan, type PlanResult } from '../engine/index.ts';
import type { ApplyEvent, PostApplyEvent } from '../engine/hook.ts';
import { PhoenixError } from '../errors.ts';
import { Gitops } from '../config/schema-gitops.ts';
import type { GitopsRunRecord, GitopsTrigger, HoldRecord, StateStore } from '../state/index.ts';
import type { EventBus } from './event-bus.ts';
import { decide, type Policy } from './policy.ts';
import type { DesiredStateSource, Revision } from './source.ts';
import { recordCertificates } from './certificate-records.ts';
import { DAEMON_CERTIFICATE } from './daemon-certificate.ts';
import { readStatusRows, type ResourceRow } from './status-rows.ts';

export interface ReconcilerOptions {
  source: DesiredStateSource;
  /** The daemon's state store (history, holds); the Phoenix it opens shares the file. */
  store: StateStore;
  /** Opens an environment for a revision's config directory. */
  /** `identity`: the revision's environment identity (a git checkout has no `.git` to derive it from). */
  openPhoenix(configDir: string, identity?: EnvironmentIdentity): Promise<Phoenix>;
  bus: EventBus;
  /** Structured log lines (static message + fields). */
  log?(message: string, fields?: Record<string, unknown>): void;
  /** Test override of the intervals of the policy (ms). */
  intervalsMs?: { poll?: number; selfHeal?: number; leaseRetry?: number; certificates?: number };
}

export interface LastSync {
  runId: string;
  at: number;
  durationMs: number;
  outcome: GitopsRunRecord['outcome'];
  revision?: string;
}

export interface DaemonSnapshot {
  source: string;
  /** The revision in force (last good). */
  revision?: string;
  /** The newest revision seen (maybe invalid). */
  lastSeenRevision?: string;
  rows: ResourceRow[];
  statusAt?: string;
  plan?: {
    createdAt: string;
    summary: ReturnType<typeof summarizePlan>;
    changes: Plan['changes'];
    drift: Plan['drift'];
  };
  lastSync?: LastSync;
  queueDepth: number;
  running: boolean;
  policy: Policy;
}

type Job =
  | { kind: 'sync'; trigger: GitopsTrigger }
  | { kind: 'approve'; holdId: string; by?: string }
  | { kind: 'task'; run: (phoenix: Phoenix) => Promise<void> };

interface QueuedJob {
  job: Job;
  promise: Promise<GitopsRunRecord | undefined>;
  resolve(run: GitopsRunRecord | undefined): void;
  reject(error: unknown): void;
}

const KV_LAST_SEEN = 'gitops.lastSeen';
const KV_GOOD = 'gitops.good';

/** The nodes named by the plan's `E_NODE_UNREACHABLE` errors, when those are its only errors. */
function unreachableNodes(plan: Plan): string[] | undefined {
  const errors = plan.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length === 0 || errors.some((d) => d.code !== UNREACHABLE_CODE)) return undefined;
  const nodes = errors.map((d) => /^node (\S+) is unreachable/.exec(d.message)?.[1] ?? 'unknown');
  return [...new Set(nodes)].sort();
}

function errorText(error: unknown): string {
  if (error instanceof PhoenixError) return [error.message, error.detail].filter(Boolean).join(': ');
  return error instanceof Error ? error.message : String(error);
}

export class Reconciler {
  private readonly o: ReconcilerOptions;
  private readonly queue: QueuedJob[] = [];
  private current: QueuedJob | undefined;
  private phoenix: { id: string; phoenix: Phoenix } | undefined;
  private good: Revision | undefined;
  private lastSeen: string | undefined;
  private rows: ResourceRow[] = [];
  private statusAt: string | undefined;
  private plan: Plan | undefined;
  private lastSync: LastSync | undefined;
  private lastSourceError: string | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private periodic: NodeJS.Timeout[] = [];
  private armed = '';
  private readonly renewals = new Set<string>();
  private stopping = false;
  private readonly abort = new AbortController();
  policy: Policy = Gitops.parse({});
  /** Runs finished since start, by outcome (metrics). */
  readonly runCounts: Record<string, number> = {};

  constructor(options: ReconcilerOptions) {
    this.o = options;
  }

  /** Marks runs of a killed daemon interrupted, reconciles once, then polls and self-heals. */
  start(): Promise<GitopsRunRecord | undefined> {
    for (const run of this.o.store.gitops.runs.interruptStale()) {
      this.log('previous run interrupted', { run: run.id, revision: run.revision });
    }
    this.lastSeen = this.o.store.gitops.kv.get(KV_LAST_SEEN);
    const first = this.trigger('startup');
    this.schedule();
    return first;
  }

  /** Queues a run; a trigger while one is already queued joins it. */
  trigger(trigger: GitopsTrigger): Promise<GitopsRunRecord | undefined> {
    return this.enqueue({ kind: 'sync', trigger });
  }

  /**
   * Runs `fn` with the Phoenix of the revision in force, in the queue (never beside an apply, and
   * the environment is not closed under it): the daemon's own certificate is issued this way.
   * Rejects when no valid revision has been reconciled yet.
   */
  async withCurrent<T>(fn: (phoenix: Phoenix) => Promise<T>): Promise<T> {
    let result: { value: T } | undefined;
    await this.enqueue({
      kind: 'task',
      run: async (phoenix) => {
        result = { value: await fn(phoenix) };
      },
    });
    if (!result) throw new PhoenixError('the daemon is stopping', { code: 'E_STOPPING' });
    return result.value;
  }

  approve(holdId: string, by?: string): Promise<GitopsRunRecord | undefined> {
    const hold = this.o.store.gitops.holds.get(holdId);
    if (!hold) throw new PhoenixError(`no held plan '${holdId}'`, { code: 'E_HOLD_NOT_FOUND' });
    if (hold.status !== 'pending') {
      throw new PhoenixError(`held plan '${holdId}' is ${hold.status}`, { code: 'E_HOLD_DECIDED' });
    }
    return this.enqueue({ kind: 'approve', holdId, by });
  }

  reject(holdId: string, by?: string): HoldRecord {
    const hold = this.o.store.gitops.holds.get(holdId);
    if (!hold) throw new PhoenixError(`no held plan '${holdId}'`, { code: 'E_HOLD_NOT_FOUND' });
    if (!this.o.store.gitops.holds.decide(holdId, 'rejected', by)) {
      throw new PhoenixError(`held plan '${holdId}' is ${hold.status}`, { code: 'E_HOLD_DECIDED' });
    }
    this.o.bus.publish('hold.decided', { id: holdId, status: 'rejected' });
    return this.o.store.gitops.holds.get(holdId)!;
  }

  /** The config directory of the revision in force (relative secret files resolve against it). */
  configDir(): string | undefined {
    return this.good?.configDir;
  }

  snapshot(): DaemonSnapshot {
    return {
      source: this.o.source.description,
      revision: this.good?.id,
      lastSeenRevision: this.lastSeen,
      rows: this.rows,
      statusAt: this.statusAt,
      plan: this.plan && {
        createdAt: this.plan.createdAt,
        summary: summarizePlan(this.plan),
        changes: this.plan.changes.filter((c) => c.action !== 'noop'),
        drift: this.plan.drift,
      },
      lastSync: this.lastSync,
      queueDepth: this.queue.length + (this.current ? 1 : 0),
      running: this.current !== undefined,
      policy: this.policy,
    };
  }

  /** Stops timers and new work; the resource in flight finishes and is journaled. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const t of this.periodic) clearInterval(t);
    this.periodic = [];
    this.abort.abort(new PhoenixError('the daemon is stopping', { code: 'E_INTERRUPTED' }));
    for (const q of this.queue.splice(0)) q.resolve(undefined);
    await this.current?.promise.catch(() => undefined);
    await this.phoenix?.phoenix.close();
    this.phoenix = undefined;
    this.o.source.close();
  }

  private log(message: string, fields: Record<string, unknown> = {}): void {
    this.o.log?.(message, fields);
  }

  /** (Re)arms the poll and self-heal timers from the policy in force. */
  private schedule(): void {
    for (const t of this.periodic) clearTimeout(t);
    this.periodic = [];
    const every = (ms: number, fn: () => void): void => {
      const timer = setInterval(() => {
        if (!this.stopping) fn();
      }, ms);
      this.periodic.push(timer);
    };
    const poll = this.o.intervalsMs?.poll ?? this.policy.pollInterval * 1000;
    const heal = this.o.intervalsMs?.selfHeal ?? this.policy.selfHeal.interval * 1000;
    this.armed = `${poll}/${heal}`;
    every(poll, () => void this.trigger('poll').catch(() => undefined));
    every(heal, () => void this.trigger('self-heal').catch(() => undefined));
    // Renewals do not wait for a commit: a certificate past its renewal time starts a run
    // (once per certificate serial) whose plan carries the renewal.
    every(this.o.intervalsMs?.certificates ?? 60_000, () => this.checkRenewals());
  }

  private checkRenewals(): void {
    // The daemon's own certificate is renewed by its keeper (daemon-certificate.ts), not by a plan.
    const due = this.o.store.certificates
      .due(Date.now())
      .filter((c) => c.name !== DAEMON_CERTIFICATE && !this.renewals.has(`${c.name}#${c.serial}`));
    if (due.length === 0) return;
    for (const c of due) this.renewals.add(`${c.name}#${c.serial}`);
    this.log('certificates due for renewal', { certificates: due.map((c) => c.name) });
    void this.trigger('renewal').catch(() => undefined);
  }

  /** Runs `fn` once after `ms`, unless the daemon stops first. */
  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopping) fn();
    }, ms);
    this.timers.add(timer);
  }

  private enqueue(job: Job): Promise<GitopsRunRecord | undefined> {
    if (this.stopping) return Promise.resolve(undefined);
    if (job.kind === 'sync') {
      const waiting = this.queue.find((q) => q.job.kind === 'sync');
      if (waiting) return waiting.promise;
    }
    let resolve!: (run: GitopsRunRecord | undefined) => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<GitopsRunRecord | undefined>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.queue.push({ job, promise, resolve, reject });
    void this.drain();
    return promise;
  }

  private async drain(): Promise<void> {
    if (this.current) return;
    while (!this.stopping && this.queue.length > 0) {
      const next = this.queue.shift()!;
      this.current = next;
      try {
        const job = next.job;
        next.resolve(
          job.kind === 'sync'
            ? await this.sync(job.trigger)
            : job.kind === 'approve'
              ? await this.runApproval(job)
              : await this.runTask(job),
        );
      } catch (error) {
        this.log('reconcile failed', { error: errorText(error) });
        next.reject(error);
      } finally {
        this.current = undefined;
      }
    }
  }

  private startRun(trigger: GitopsTrigger, revision?: string): GitopsRunRecord {
    const run = this.o.store.gitops.runs.start({ environment: this.o.source.description, revision, trigger });
    this.o.bus.publish('run.started', { id: run.id, trigger, revision });
    return run;
  }

  private finishRun(run: GitopsRunRecord, patch: Partial<GitopsRunRecord>): GitopsRunRecord {
    const finishedAt = Date.now();
    this.o.store.gitops.runs.update(run.id, { ...patch, finishedAt });
    const done = this.o.store.gitops.runs.get(run.id)!;
    this.runCounts[done.outcome] = (this.runCounts[done.outcome] ?? 0) + 1;
    this.lastSync = {
      runId: run.id,
      at: finishedAt,
      durationMs: finishedAt - run.startedAt,
      outcome: done.outcome,
      revision: done.revision,
    };
    this.o.store.gitops.runs.retain(this.policy.history.keep);
    this.o.bus.publish('run.finished', {
      id: run.id,
      trigger: run.trigger,
      revision: done.revision,
      outcome: done.outcome,
      message: done.message,
      durationMs: this.lastSync.durationMs,
      summary: done.summary,
    });
    this.log('run finished', { run: run.id, outcome: done.outcome, revision: done.revision });
    return done;
  }

  private async sync(trigger: GitopsTrigger): Promise<GitopsRunRecord | undefined> {
    let head: string;
    try {
      head = await this.o.source.head();
      this.lastSourceError = undefined;
    } catch (error) {
      const message = errorText(error);
      // A source that stays unreachable is recorded once, not once per poll.
      if (trigger === 'poll' && message === this.lastSourceError) return undefined;
      this.lastSourceError = message;
      const run = this.startRun(trigger);
      return this.finishRun(run, { outcome: 'failed', message: `source: ${message}`, errors: [{ message }] });
    }
    const isNew = head !== this.lastSeen || (this.good === undefined && head === this.o.store.gitops.kv.get(KV_GOOD));
    if (trigger === 'poll' && !isNew && this.good) return undefined;
    if (isNew) {
      const run = this.startRun(trigger, head);
      let revision: Revision;
      try {
        revision = await this.o.source.materialize(head);
      } catch (error) {
        return this.finishRun(run, { outcome: 'failed', message: `source: ${errorText(error)}` });
      }
      this.lastSeen = head;
      this.o.store.gitops.kv.set(KV_LAST_SEEN, head);
      const checked = await validateConfig(revision.configDir);
      const errors = checked.diagnostics.filter((d) => d.severity === 'error');
      if (errors.length > 0) {
        const located = errors.map((d) => ({
          message: d.message,
          code: d.code,
          ...(d.location ? { file: d.location.file, line: d.location.line, column: d.location.column } : {}),
        }));
        this.o.bus.publish('revision.invalid', { revision: head, errors: located });
        return this.finishRun(run, {
          outcome: 'invalid',
          message: `revision ${head.slice(0, 12)} is invalid; ${this.good ? `${this.good.id.slice(0, 12)} stays in force` : 'nothing applied'}`,
          errors: located,
        });
      }
      this.good = revision;
      this.o.store.gitops.kv.set(KV_GOOD, head);
      return this.reconcile(run, revision, trigger);
    }
    if (!this.good) {
      // Restarted after an invalid head: the last good revision is still on disk.
      const good = this.o.store.gitops.kv.get(KV_GOOD);
      if (!good) return undefined;
      this.good = await this.o.source.materialize(good).catch(() => undefined);
      if (!this.good) return undefined;
    }
    return this.reconcile(this.startRun(trigger, this.good.id), this.good, trigger);
  }

  private async runTask(job: Extract<Job, { kind: 'task' }>): Promise<undefined> {
    if (!this.good) throw new PhoenixError('no valid revision has been reconciled yet', { code: 'E_NO_REVISION' });
    await job.run(await this.phoenixFor(this.good));
    return undefined;
  }

  private async phoenixFor(revision: Revision): Promise<Phoenix> {
    if (this.phoenix?.id === revision.id) return this.phoenix.phoenix;
    await this.phoenix?.phoenix.close();
    this.phoenix = undefined;
    const phoenix = await this.o.openPhoenix(revision.configDir, revision.identity);
    this.phoenix = { id: revision.id, phoenix };
    return phoenix;
  }

  private async refreshStatus(phoenix: Phoenix, planned: PlanResult): Promise<void> {
    const rows = await readStatusRows(phoenix, planned);
    recordCertificates(phoenix, planned, this.o.store);
    this.plan = planned.plan;
    this.statusAt = new Date().toISOString();
    const changed = JSON.stringify(rows) !== JSON.stringify(this.rows);
    this.rows = rows;
    this.o.bus.publish('status', {
      changed,
      revision: this.good?.id,
      drifted: rows.filter((r) => r.sync !== 'in sync').length,
    });
  }

  private async reconcile(run: GitopsRunRecord, revision: Revision, trigger: GitopsTrigger): Promise<GitopsRunRecord> {
    let phoenix: Phoenix;
    try {
      phoenix = await this.phoenixFor(revision);
    } catch (error) {
      return this.finishRun(run, {
        outcome: 'failed',
        message: errorText(error),
        errors: [{ message: errorText(error) }],
      });
    }
    this.policy = phoenix.loaded.config.gitops;
    // A commit may change the intervals: re-arm the timers when it did.
    const poll = this.o.intervalsMs?.poll ?? this.policy.pollInterval * 1000;
    const heal = this.o.intervalsMs?.selfHeal ?? this.policy.selfHeal.interval * 1000;
    if (!this.stopping && this.armed !== `${poll}/${heal}`) this.schedule();
    try {
      const planned = await planEnvironment(phoenix, { prune: true, signal: this.abort.signal });
      await this.refreshStatus(phoenix, planned);
      const summary = summarizePlan(planned.plan);
      // Only nodes that are down stand in the way (app/unreachable.ts held back what depends on
      // them): apply the rest like `phoenix apply`, and record the run as failed naming the nodes.
      const lost = planned.plan.errored && planned.plan.applyable ? unreachableNodes(planned.plan) : undefined;
      if (lost) {
        const errors = planned.plan.diagnostics.filter((d) => d.severity === 'error');
        const failedOn = (patch: Partial<GitopsRunRecord>): GitopsRunRecord => {
          const message = `node${lost.length > 1 ? 's' : ''} ${lost.join(', ')} unreachable: what depends on ${lost.length > 1 ? 'them' : 'it'} is unknown and was not applied`;
          this.o.store.events.add({
            runId: run.id,
            level: 'error',
            type: 'node.unreachable',
            message,
            data: { nodes: lost },
          });
          const keep = patch.outcome === 'held' || patch.outcome === 'interrupted' || patch.outcome === 'blocked';
          return this.finishRun(run, {
            ...patch,
            outcome: keep ? patch.outcome : 'failed',
            message: patch.message ? `${message}; ${patch.message}` : message,
            errors: [
              ...(patch.errors ?? []),
              ...errors.map((d) => ({ message: d.address ? `${d.address}: ${d.message}` : d.message, code: d.code })),
            ],
          });
        };
        return await this.proceed(run, revision, phoenix, planned, trigger, (_r, patch) => failedOn(patch));
      }
      if (planned.plan.errored) {
        const errors = planned.plan.diagnostics.filter((d) => d.severity === 'error');
        return this.finishRun(run, {
          outcome: 'failed',
          summary: { ...summary },
          message: 'planning failed',
          errors: errors.map((d) => ({ message: d.address ? `${d.address}: ${d.message}` : d.message, code: d.code })),
        });
      }
      return await this.proceed(run, revision, phoenix, planned, trigger, (r, patch) => this.finishRun(r, patch));
    } catch (error) {
      return this.finishRun(run, {
        outcome: this.abort.signal.aborted ? 'interrupted' : 'failed',
        message: errorText(error),
        errors: [{ message: errorText(error) }],
      });
    }
  }

  /** After a plan: in sync, held, or applied by the policy; `finish` records the run. */
  private async proceed(
    run: GitopsRunRecord,
    revision: Revision,
    phoenix: Phoenix,
    planned: PlanResult,
    trigger: GitopsTrigger,
    finish: (run: GitopsRunRecord, patch: Partial<GitopsRunRecord>) => GitopsRunRecord,
  ): Promise<GitopsRunRecord> {
    const summary = summarizePlan(planned.plan);
    try {
      const decision = decide(planned.plan, this.policy, trigger);
      if (decision.kind === 'in-sync') return finish(run, { outcome: 'in-sync', summary: { ...summary } });
      if (decision.kind === 'hold') {
        const hold = this.hold(run, revision, planned.plan, decision.reason);
        return finish(run, {
          outcome: 'held',
          summary: { ...summary, held: hold.id },
          message: `plan held for approval (${decision.reason})`,
        });
      }
      let toApply = planned;
      let held: HoldRecord | undefined;
      if (decision.kind === 'apply-and-hold-prune') {
        held = this.hold(run, revision, planned.plan, 'prune');
        toApply = await planEnvironment(phoenix, { prune: false, signal: this.abort.signal });
        if (!planHasChanges(toApply.plan)) {
          return finish(run, {
            outcome: 'held',
            summary: { ...summary, held: held.id },
            message: 'deletions held for approval (prune: hold)',
          });
        }
      }
      const outcome = await this.apply(run, phoenix, toApply);
      return finish(run, {
        ...outcome,
        summary: { ...summarizePlan(toApply.plan), ...(held ? { held: held.id } : {}) },
      });
    } catch (error) {
      return finish(run, {
        outcome: this.abort.signal.aborted ? 'interrupted' : 'failed',
        message: errorText(error),
        errors: [{ message: errorText(error) }],
      });
    }
  }

  /** A held plan for approval; an identical pending hold is kept, older ones superseded. */
  private hold(run: GitopsRunRecord, revision: Revision, plan: Plan, reason: string): HoldRecord {
    const signature = (p: Plan) =>
      JSON.stringify(
        p.changes.filter((c) => c.action !== 'noop').map((c) => [c.address, c.action, c.attributes.map((a) => a.path)]),
      );
    const pending = this.o.store.gitops.holds.list('pending');
    const same = pending.find(
      (h) => h.reason === reason && h.revision === revision.id && signature(h.plan as Plan) === signature(plan),
    );
    if (same) return same;
    for (const h of pending) {
      this.o.store.gitops.holds.decide(h.id, 'superseded', 'daemon');
      this.o.bus.publish('hold.decided', { id: h.id, status: 'superseded' });
    }
    const hold = this.o.store.gitops.holds.create({
      runId: run.id,
      revision: revision.id,
      reason,
      summary: { ...summarizePlan(plan) },
      plan,
    });
    this.o.bus.publish('hold.created', { id: hold.id, reason, revision: revision.id, summary: hold.summary });
    return hold;
  }

  private async apply(
    run: GitopsRunRecord,
    phoenix: Phoenix,
    planned: PlanResult,
  ): Promise<Pick<GitopsRunRecord, 'outcome' | 'resources'> & { message?: string; applyRunId?: string }> {
    const store = this.o.store;
    const bus = this.o.bus;
    const hook = new (class extends NoopHook {
      override preApply(e: ApplyEvent): void {
        bus.publish('resource.applying', { run: run.id, address: e.address, action: e.action });
      }
      override postApply(e: PostApplyEvent): void {
        bus.publish('resource.applied', {
          run: run.id,
          address: e.address,
          kind: e.kind,
          action: e.action,
          outcome: e.outcome,
          durationMs: e.durationMs,
        });
        store.events.add({
          runId: run.id,
          level: e.outcome === 'failed' ? 'error' : 'info',
          type: `resource.${e.outcome}`,
          address: e.address,
          message: `${e.action}: ${e.outcome}${e.error ? ` (${errorText(e.error)})` : e.reason ? ` (${e.reason})` : ''}`,
          data: { durationMs: e.durationMs },
        });
      }
    })();
    try {
      const result = await applyPlan(phoenix, planned, { hook, signal: this.abort.signal });
      const applyRunId = store.runs.list(phoenix.environment, 1)[0]?.id;
      const resources = [...result.outcomes.values()]
        .filter((o) => o.action !== 'noop')
        .map((o) => ({
          address: o.address,
          action: o.action,
          outcome: o.outcome,
          ...(o.error ? { error: errorText(o.error) } : o.reason ? { error: o.reason } : {}),
        }));
      // The truth after an apply is what the systems say: observe again for the status rows.
      if (!this.abort.signal.aborted)
        await this.refreshStatus(phoenix, await planEnvironment(phoenix, { prune: true }));
      return {
        outcome: result.cancelled ? 'interrupted' : result.succeeded ? 'succeeded' : 'failed',
        resources,
        applyRunId,
      };
    } catch (error) {
      if ((error as { code?: string }).code === 'E_LEASE_HELD') {
        // Someone (a CLI apply) holds the environment: try again soon, never alongside it.
        this.later(this.o.intervalsMs?.leaseRetry ?? 10_000, () => void this.trigger('api').catch(() => undefined));
        return { outcome: 'blocked', resources: [], message: errorText(error) };
      }
      throw error;
    }
  }

  private async runApproval(job: Extract<Job, { kind: 'approve' }>): Promise<GitopsRunRecord | undefined> {
    const hold = this.o.store.gitops.holds.get(job.holdId);
    const run = this.startRun('approve', hold?.revision);
    if (!hold || hold.status !== 'pending') {
      return this.finishRun(run, { outcome: 'failed', message: `held plan '${job.holdId}' is no longer pending` });
    }
    if (!this.good || hold.revision !== this.good.id) {
      this.o.store.gitops.holds.decide(hold.id, 'superseded', 'daemon');
      this.o.bus.publish('hold.decided', { id: hold.id, status: 'superseded' });
      return this.finishRun(run, {
        outcome: 'failed',
        message: 'the held plan is for an older revision; a new plan follows',
      });
    }
    try {
      const phoenix = await this.phoenixFor(this.good);
      const planned = await prepareSaved(phoenix, hold.plan as Plan, { signal: this.abort.signal });
      this.o.store.gitops.holds.decide(hold.id, 'approved', job.by);
      this.o.bus.publish('hold.decided', { id: hold.id, status: 'approved' });
      const outcome = await this.apply(run, phoenix, planned);
      this.o.store.gitops.holds.decide(hold.id, outcome.outcome === 'succeeded' ? 'applied' : 'failed', job.by);
      this.o.bus.publish('hold.decided', {
        id: hold.id,
        status: outcome.outcome === 'succeeded' ? 'applied' : 'failed',
      });
      return this.finishRun(run, { ...outcome, summary: { ...summarizePlan(planned.plan), approved: hold.id } });
    } catch (error) {
      // A stale plan (the systems changed since it was made) is refused: re-plan instead.
      this.o.store.gitops.holds.decide(hold.id, 'superseded', 'daemon');
      this.o.bus.publish('hold.decided', { id: hold.id, status: 'superseded' });
      void this.trigger('api').catch(() => undefined);
      return this.finishRun(run, {
        outcome: 'failed',
        message: errorText(error),
        errors: [{ message: errorText(error) }],
      });
    }
  }
}
