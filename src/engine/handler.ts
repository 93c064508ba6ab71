/**
 * The one contract between the engine and every provider (ARCHITECTURE principle 4, STYLE.md 2).
 * A provider implements a `ResourceHandler` per resource kind; the engine plans and applies
 * through it and knows nothing else about the system behind it.
 *
 * Every method takes one request object and returns one response object, so new fields never
 * break signatures. Methods may throw: a thrown error whose `retryable` property is `true`
 * (see `isRetryableError`) is retried by the executor with backoff; anything else fails the
 * resource. Handlers must not print; they report through `ctx.hook`.
 */
import type { Diagnostic } from '../errors.ts';
import type { Hook } from './hook.ts';
import type { StepJournal } from './journal.ts';
import type { AttributeChange, ResourceChange } from './plan/types.ts';

/**
 * A desired resource, as derived from the config. `address` is the resource's identity
 * (e.g. `guest.101`): a guest that moved to another node keeps its address.
 */
export interface Resource<Desired = unknown> {
  address: string;
  /** The handler that owns it, e.g. `proxmox.lxc`. */
  kind: string;
  desired: Desired;
  /** Explicit dependencies (addresses): `dependsOn` of the config, a clone's source. */
  dependsOn: string[];
  /**
   * Typed references to other resources this one uses (a guest's bridge and storage, an ACL's
   * user): the only source of implicit edges. A reference to something not declared is no edge
   * (it exists outside Phoenix's management).
   */
  references?: ResourceRef[];
  /**
   * Resources sharing a lock key never run at the same time (e.g. clones of one source share
   * `clone-source:9000`). Keys are opaque to the engine.
   */
  lockKeys?: string[];
  /** Where it runs, for the per-node concurrency limit. */
  node?: string;
  /**
   * The subset of `dependsOn` that gates only this resource's start and what needs it running
   * (the config's `dependsOn`, roles), never its creation: a guest's disk clone and config wait
   * only for what they consume (clone source, template, storage, bridge). Used when its handler
   * `startsSeparately`.
   */
  startAfter?: string[];
  /**
   * A create of it runs as create/configure, then a separate start (`power` with `start`, then
   * `health`): the executor plans them as DAG nodes of their own. Needs a handler with `power`
   * whose `create` honours `deferStart`.
   */
  startsSeparately?: boolean;
  /** Health after apply: `wait` (default) or `when-needed` (only when a dependent needs it). */
  health?: 'wait' | 'when-needed';
  /** Never deleted or replaced: a plan that would do either is an error. */
  protected?: boolean;
}

/**
 * A typed reference to another resource, built by the referenced provider's own helper (e.g.
 * `bridgeRef(node, name)`) so the address format lives in one place.
 */
export interface ResourceRef {
  kind: string;
  address: string;
}

/** What every handler call receives. */
export interface HandlerContext {
  /** Aborted on Ctrl-C or timeout; long waits (task polling) must honour it. */
  signal: AbortSignal;
  /** Progress and diagnostics go here, never to stdout. */
  hook: Hook;
}

/** Context of a mutating call: adds the journal of the current step. */
export interface ApplyContext extends HandlerContext {
  /** Record in-flight details (task ids, created ids) so recovery never duplicates work. */
  journal: StepJournal;
  /** 1-based attempt number: handlers may check for half-done work of an earlier attempt. */
  attempt: number;
}

/** An observed resource as the handler reports it. */
export interface ObservedResource<Observed = unknown> {
  address: string;
  kind: string;
  /**
   * The observed state. Include only attributes that are stable between reads (no uptime,
   * no counters): the plan digest is computed from it and a moving value makes every saved
   * plan stale.
   */
  observed: Observed;
  /** Where it was found (may differ from the desired node after a migration). */
  node?: string;
  /** Observed as protected in the system (e.g. a protection flag). */
  protected?: boolean;
  /**
   * False when it exists but does not carry Phoenix's ownership marker (declared, not adopted
   * yet): it may be adopted by an update, but never deleted or replaced. Absent = owned.
   */
  owned?: boolean;
  /**
   * What it depends on, as far as the system tells (e.g. a linked clone's template). Used to
   * order deletes of resources that are no longer in the config.
   */
  dependsOn?: string[];
}

/** Something of this kind in the system that Phoenix does not own. */
export interface UnmanagedResource {
  address: string;
  kind: string;
  summary: string;
}

export interface ObserveRequest<Desired> {
  ctx: HandlerContext;
  resource: Resource<Desired>;
}

export interface ObserveResponse<Observed> {
  /** `null`: the resource does not exist. */
  observed: Observed | null;
  node?: string;
  diagnostics?: Diagnostic[];
}

export interface ObserveAllRequest<Desired> {
  ctx: HandlerContext;
  /** The desired resources of this kind (may be empty: then only discovery is asked for). */
  resources: Resource<Desired>[];
}

export interface ObserveAllResponse<Observed> {
  /**
   * Every managed resource of this kind that exists: the requested ones that were found, and
   * also managed ones that are not requested (no longer in the config: candidates for prune).
   * A requested address missing here does not exist.
   */
  found: ObservedResource<Observed>[];
  /** Resources of this kind that Phoenix does not own; listed, never touched. */
  unmanaged?: UnmanagedResource[];
  diagnostics?: Diagnostic[];
  /**
   * Requested resources that exist but could not be read (e.g. their host is unreachable):
   * neither found nor missing. The planner plans nothing for them and reports the diagnostic.
   */
  unknown?: { address: string; diagnostic: Diagnostic }[];
}

/** The handler's verdict for one resource; the planner maps it onto a plan `Action`. */
export type DiffAction = 'noop' | 'create' | 'update' | 'replace';

export interface DiffRequest<Desired, Observed> {
  resource: Resource<Desired>;
  /** `null`: the resource does not exist (the handler normally answers `create`). */
  observed: Observed | null;
  /** Where the resource was observed, when known. */
  observedNode?: string;
}

export interface DiffResponse {
  action: DiffAction;
  /** The attributes that differ (empty for noop/create). Mark secrets `sensitive`. */
  changes: AttributeChange[];
  /** Attribute paths whose change forces a replacement; non-empty turns `update` into `replace`. */
  requiresReplace: string[];
  /** The update takes effect only after a restart (`update-restart`). */
  requiresRestart: boolean;
  /** Why, in sentences for people: `memory changed`, `moved from pve1 to pve2 (same guest)`. */
  reasons: string[];
  /** Redacted forms of desired/observed for the plan (defaults: the values themselves). */
  before?: unknown;
  after?: unknown;
  /** Opaque data for this handler's own apply step (stored in the plan). */
  private?: unknown;
  diagnostics?: Diagnostic[];
}

export interface CreateRequest<Desired> {
  ctx: ApplyContext;
  resource: Resource<Desired>;
  change: ResourceChange;
  /**
   * Create and configure, but do not start: the executor starts it with `power` as a separate
   * step once what it `startAfter`s is up (only when the handler `startsSeparately`).
   */
  deferStart?: boolean;
}

export interface UpdateRequest<Desired, Observed> {
  ctx: ApplyContext;
  resource: Resource<Desired>;
  /** The observation the plan was made from. */
  observed: Observed;
  change: ResourceChange;
  /** The plan said `update-restart`: restart the resource after updating it. */
  restart: boolean;
}

export interface DeleteRequest<Observed> {
  ctx: ApplyContext;
  address: string;
  /** The last observation, or null if unknown. */
  observed: Observed | null;
  change: ResourceChange;
}

/** After a mutating call: the new observation when cheap to give (saves a read). */
export interface ApplyResponse<Observed> {
  observed?: Observed;
  diagnostics?: Diagnostic[];
}

export interface HealthRequest<Desired> {
  ctx: HandlerContext;
  resource: Resource<Desired>;
}

export interface HealthResponse {
  /** `pending`: not yet (poll again); `unhealthy`: failed for good (e.g. crashed). */
  status: 'healthy' | 'pending' | 'unhealthy';
  message?: string;
  /** For `pending`: when to ask again (e.g. when a booting VM's agent is expected to answer). */
  retryAfterMs?: number;
}

export interface PowerRequest<Desired, Observed> {
  ctx: ApplyContext;
  resource: Resource<Desired>;
  action: 'start' | 'stop';
  /** The observation the power plan was made from. */
  observed: Observed;
}

export interface ImportRequest {
  ctx: HandlerContext;
  /** The system's own id of the thing to adopt, e.g. `150` for a guest. */
  id: string;
}

export interface ImportResponse<Desired, Observed> {
  /** The resource as it would appear in the config, ready to be written out. */
  resource: Resource<Desired>;
  observed: Observed;
  /**
   * Config entries, by section, of what the resource uses and the config may have to declare
   * for it to validate (e.g. the definitions of the storages a guest's disks live on), as the
   * system reports them.
   */
  related?: Record<string, Record<string, unknown>[]>;
  diagnostics?: Diagnostic[];
}

export interface ResourceHandler<Desired = unknown, Observed = unknown> {
  /** The kind this handler owns; equals `Resource.kind`. */
  readonly kind: string;
  /** Observe one resource. */
  observe(req: ObserveRequest<Desired>): Promise<ObserveResponse<Observed>>;
  /**
   * Observe many resources with as few reads as possible (one cluster read plus one read per
   * resource) and discover managed resources not in the config. Preferred over `observe`.
   */
  observeAll?(req: ObserveAllRequest<Desired>): Promise<ObserveAllResponse<Observed>>;
  /** Pure comparison of desired and observed state. */
  diff(req: DiffRequest<Desired, Observed>): DiffResponse | Promise<DiffResponse>;
  create(req: CreateRequest<Desired>): Promise<ApplyResponse<Observed>>;
  update(req: UpdateRequest<Desired, Observed>): Promise<ApplyResponse<Observed>>;
  delete(req: DeleteRequest<Observed>): Promise<ApplyResponse<Observed>>;
  /**
   * A resource counts as done when this says `healthy`; the executor polls it with a bounded
   * interval and deadline after create/update. Without it, done means the call returned.
   */
  health?(req: HealthRequest<Desired>): Promise<HealthResponse>;
  /** Adopt an existing, unmanaged object. */
  import?(req: ImportRequest): Promise<ImportResponse<Desired, Observed>>;
  /**
   * Start or stop (`phoenix start|stop|restart`): run by the executor as a step like any other
   * (lease, journal, DAG order); `powerable` says which resources have a power state at all.
   */
  power?(req: PowerRequest<Desired, Observed>): Promise<void>;
  powerable?(resource: Resource<Desired>): boolean;
  /**
   * Rough expected duration of a planned change in ms (a clone takes longer than a config
   * update). Only used to rank ready work by remaining critical path; never a timeout.
   */
  estimateDuration?(req: { change: ResourceChange }): number;
}

/** Any handler, for registries keyed by kind. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyResourceHandler = ResourceHandler<any, any>;

/** Looks up handlers by kind; the engine never imports a concrete provider. */
export interface HandlerRegistry {
  get(kind: string): AnyResourceHandler | undefined;
}

/** Builds a registry from a list of handlers; duplicate kinds are a programming error. */
export function handlerRegistry(handlers: AnyResourceHandler[]): HandlerRegistry & { kinds(): string[] } {
  const map = new Map<string, AnyResourceHandler>();
  for (const handler of handlers) {
    if (map.has(handler.kind)) throw new Error(`duplicate handler for kind ${handler.kind}`);
    map.set(handler.kind, handler);
  }
  return { get: (kind) => map.get(kind), kinds: () => [...map.keys()] };
}

/**
 * Errors marked `retryable: true` (lock timeouts, 5xx, connection resets, as classified by the
 * client) are retried with backoff; everything else is terminal (STYLE.md 12).
 */
export function isRetryableError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { retryable?: unknown }).retryable === true;
}
