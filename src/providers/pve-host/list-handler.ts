/**
 * The shape every host handler shares: one list read per kind (plus one per node where the API
 * is per node) gives every object of the kind; requested or owned ones are `found`, the rest
 * are reported as unmanaged and never touched. Handlers only supply the list, the diff and
 * the three mutations.
 */
import type { Diagnostic } from '../../errors.ts';
import type {
  ApplyContext,
  ApplyResponse,
  DiffRequest,
  DiffResponse,
  HandlerContext,
  ObservedResource,
  Resource,
  ResourceHandler,
} from '../../engine/handler.ts';
import { asRetryable } from '../pve-retry.ts';

/** One object of the kind as listed by the API. */
export interface Listed<Observed> {
  address: string;
  observed: Observed;
  /** Carries the ownership marker (or is Phoenix's by definition). */
  owned: boolean;
  /** Carries another environment's marker: never touched; declaring it too is a conflict. */
  foreign?: string;
  node?: string;
  summary: string;
  /** What it depends on as the system shows it, to order the deletes of pruned objects. */
  dependsOn?: string[];
  /** Could not be read (its node is down): neither found nor missing, planned not at all. */
  unknown?: Diagnostic;
}

export interface ListHandlerSpec<Desired, Observed> {
  kind: string;
  /** Lists every object of the kind the desired resources may live in. */
  list(ctx: HandlerContext, desired: Resource<Desired>[]): Promise<Listed<Observed>[]>;
  diff(req: DiffRequest<Desired, Observed>): DiffResponse;
  create(ctx: ApplyContext, resource: Resource<Desired>): Promise<void>;
  update(ctx: ApplyContext, resource: Resource<Desired>, observed: Observed): Promise<void>;
  /** Called only for owned objects (the engine deletes only found ones, which are owned). */
  remove(ctx: ApplyContext, address: string, observed: Observed): Promise<void>;
}

export function listHandler<Desired, Observed>(
  spec: ListHandlerSpec<Desired, Observed>,
): ResourceHandler<Desired, Observed> {
  async function observeAll(ctx: HandlerContext, resources: Resource<Desired>[]) {
    const requested = new Set(resources.map((r) => r.address));
    const found: ObservedResource<Observed>[] = [];
    const unmanaged: { address: string; kind: string; summary: string }[] = [];
    const unknown: { address: string; diagnostic: Diagnostic }[] = [];
    for (const item of await spec.list(ctx, resources)) {
      if (item.unknown) {
        if (requested.has(item.address)) unknown.push({ address: item.address, diagnostic: item.unknown });
        continue;
      }
      if (item.foreign !== undefined && item.observed !== null && typeof item.observed === 'object')
        foreign.set(item.observed, item.foreign);
      if (item.foreign !== undefined && !requested.has(item.address))
        unmanaged.push({
          address: item.address,
          kind: spec.kind,
          summary: `${item.summary} (environment ${item.foreign})`,
        });
      else if (item.owned || requested.has(item.address))
        found.push({
          address: item.address,
          kind: spec.kind,
          observed: item.observed,
          node: item.node,
          owned: item.owned,
          ...(item.dependsOn ? { dependsOn: item.dependsOn } : {}),
        });
      else unmanaged.push({ address: item.address, kind: spec.kind, summary: item.summary });
    }
    return { found, unmanaged, unknown };
  }
  const done = async (): Promise<ApplyResponse<Observed>> => ({});
  /** Observations carrying another environment's marker, and which environment. */
  const foreign = new WeakMap<object, string>();
  /** Transient API failures (5xx, 596/599, resets, lock timeouts) become retryable for the engine. */
  async function transient(address: string, work: () => Promise<void>): Promise<ApplyResponse<Observed>> {
    try {
      await work();
    } catch (error) {
      throw asRetryable(error, address);
    }
    return done();
  }
  return {
    kind: spec.kind,
    async observe({ ctx, resource }) {
      // A context of its own: reads shared within one plan (cluster-view.ts) are never reused here.
      const { found } = await observeAll({ ...ctx }, [resource]);
      const hit = found.find((f) => f.address === resource.address);
      return hit ? { observed: hit.observed, node: hit.node } : { observed: null };
    },
    observeAll: ({ ctx, resources }) => observeAll(ctx, resources),
    diff(req) {
      const other = req.observed !== null && typeof req.observed === 'object' ? foreign.get(req.observed) : undefined;
      if (other === undefined) return spec.diff(req);
      // Declared here and owned by another environment: changing it would flip it back and forth.
      return {
        action: 'noop',
        changes: [],
        requiresReplace: [],
        requiresRestart: false,
        reasons: [`owned by environment ${other}`],
        diagnostics: [
          {
            severity: 'error',
            code: 'E_OWNERSHIP_CONFLICT',
            message: `${req.resource.address} is declared here but owned by environment ${other}`,
            hint: 'declare it in one environment only (remove it from this config, or from the other one and let its owner drop it)',
          },
        ],
      };
    },
    async create({ ctx, resource }) {
      return transient(resource.address, async () => {
        // A create whose answer was lost (596, reset) may have landed: a repeat re-reads first and
        // converges what is there instead of creating it twice.
        if (ctx.attempt > 1) {
          const { found } = await observeAll({ ...ctx }, [resource]);
          const landed = found.find((f) => f.address === resource.address);
          if (landed) return spec.update(ctx, resource, landed.observed);
        }
        await spec.create(ctx, resource);
      });
    },
    async update({ ctx, resource, observed }) {
      return transient(resource.address, async () => {
        // A repeat works from a fresh read: part of the earlier attempt may have been applied.
        const current =
          ctx.attempt > 1
            ? (await observeAll({ ...ctx }, [resource])).found.find((f) => f.address === resource.address)?.observed
            : observed;
        await spec.update(ctx, resource, current ?? observed);
      });
    },
    async delete({ ctx, address, observed }) {
      return transient(address, async () => {
        if (observed === null) return;
        if (ctx.attempt > 1) {
          // An earlier attempt's delete may have landed before its answer was lost.
          const listed = await spec.list(ctx, []);
          if (!listed.some((item) => item.address === address)) return;
        }
        await spec.remove(ctx, address, observed);
      });
    },
  };
}
