/**
 * The shape every host handler shares: one list read per kind (plus one per node where the API
 * is per node) gives every object of the kind; requested or owned ones are `found`, the rest
 * are reported as unmanaged and never touched. Handlers only supply the list, the diff and
 * the three mutations.
 */
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

/** One object of the kind as listed by the API. */
export interface Listed<Observed> {
  address: string;
  observed: Observed;
  /** Carries the ownership marker (or is Phoenix's by definition). */
  owned: boolean;
  node?: string;
  summary: string;
  /** What it depends on as the system shows it, to order the deletes of pruned objects. */
  dependsOn?: string[];
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
  dependencies?: ResourceHandler<Desired, Observed>['dependencies'];
}

export function listHandler<Desired, Observed>(
  spec: ListHandlerSpec<Desired, Observed>,
): ResourceHandler<Desired, Observed> {
  async function observeAll(ctx: HandlerContext, resources: Resource<Desired>[]) {
    const requested = new Set(resources.map((r) => r.address));
    const found: ObservedResource<Observed>[] = [];
    const unmanaged: { address: string; kind: string; summary: string }[] = [];
    for (const item of await spec.list(ctx, resources)) {
      if (item.owned || requested.has(item.address))
        found.push({
          address: item.address,
          kind: spec.kind,
          observed: item.observed,
          node: item.node,
          ...(item.dependsOn ? { dependsOn: item.dependsOn } : {}),
        });
      else unmanaged.push({ address: item.address, kind: spec.kind, summary: item.summary });
    }
    return { found, unmanaged };
  }
  const done = async (): Promise<ApplyResponse<Observed>> => ({});
  return {
    kind: spec.kind,
    async observe({ ctx, resource }) {
      const { found } = await observeAll(ctx, [resource]);
      const hit = found.find((f) => f.address === resource.address);
      return hit ? { observed: hit.observed, node: hit.node } : { observed: null };
    },
    observeAll: ({ ctx, resources }) => observeAll(ctx, resources),
    diff: (req) => spec.diff(req),
    async create({ ctx, resource }) {
      await spec.create(ctx, resource);
      return done();
    },
    async update({ ctx, resource, observed }) {
      await spec.update(ctx, resource, observed);
      return done();
    },
    async delete({ ctx, address, observed }) {
      if (observed !== null) await spec.remove(ctx, address, observed);
      return done();
    },
    ...(spec.dependencies ? { dependencies: spec.dependencies } : {}),
  };
}
