/**
 * Observation for the planner: one `observeAll` per kind when the handler has it (one cluster
 * read plus one read per resource), otherwise `observe` per resource with bounded concurrency.
 * Errors are collected per kind/resource, never thrown.
 */
import type { HandlerContext, HandlerRegistry, ObservedResource, Resource, UnmanagedResource } from '../handler.ts';
import type { PlanDiagnostic } from './types.ts';

export interface Observations {
  /** Found resources by address, including managed ones not in the config. */
  found: Map<string, ObservedResource>;
  unmanaged: UnmanagedResource[];
  /** Addresses whose observation failed (they cannot be planned). */
  failed: Set<string>;
  diagnostics: PlanDiagnostic[];
}

export async function observeResources(
  resources: readonly Resource[],
  registry: HandlerRegistry,
  ctx: HandlerContext,
  concurrency: number,
  extraKinds: readonly string[] = [],
): Promise<Observations> {
  const result: Observations = { found: new Map(), unmanaged: [], failed: new Set(), diagnostics: [] };
  const byKind = new Map<string, Resource[]>();
  for (const kind of extraKinds) byKind.set(kind, []);
  for (const r of resources) {
    const list = byKind.get(r.kind);
    if (list) list.push(r);
    else byKind.set(r.kind, [r]);
  }
  const single: Resource[] = [];
  const batches: Promise<void>[] = [];
  for (const [kind, list] of byKind) {
    const handler = registry.get(kind);
    if (!handler) continue;
    if (!handler.observeAll) {
      single.push(...list);
      continue;
    }
    const observeAll = handler.observeAll.bind(handler);
    batches.push(
      (async () => {
        for (const r of list) ctx.hook.preObserve({ address: r.address, kind });
        try {
          const response = await observeAll({ ctx, resources: list });
          for (const found of response.found) result.found.set(found.address, found);
          result.unmanaged.push(...(response.unmanaged ?? []));
          for (const d of response.diagnostics ?? []) result.diagnostics.push(fromDiagnostic(d));
          for (const u of response.unknown ?? []) {
            result.failed.add(u.address);
            result.diagnostics.push({ ...fromDiagnostic(u.diagnostic), address: u.address });
          }
          for (const r of list) ctx.hook.postObserve({ address: r.address, kind, found: result.found.has(r.address) });
        } catch (error) {
          for (const r of list) {
            result.failed.add(r.address);
            ctx.hook.postObserve({ address: r.address, kind, found: false, error });
          }
          result.diagnostics.push(observeError(`kind ${kind}`, error));
        }
      })(),
    );
  }
  batches.push(
    mapLimit(single, concurrency, async (r) => {
      const handler = registry.get(r.kind);
      if (!handler) return;
      ctx.hook.preObserve({ address: r.address, kind: r.kind });
      try {
        const response = await handler.observe({ ctx, resource: r });
        if (response.observed !== null) {
          result.found.set(r.address, {
            address: r.address,
            kind: r.kind,
            observed: response.observed,
            node: response.node,
          });
        }
        for (const d of response.diagnostics ?? [])
          result.diagnostics.push({ ...fromDiagnostic(d), address: r.address });
        ctx.hook.postObserve({ address: r.address, kind: r.kind, found: response.observed !== null });
      } catch (error) {
        result.failed.add(r.address);
        result.diagnostics.push({ ...observeError(r.address, error), address: r.address });
        ctx.hook.postObserve({ address: r.address, kind: r.kind, found: false, error });
      }
    }),
  );
  await Promise.all(batches);
  return result;
}

function fromDiagnostic(d: {
  severity: 'error' | 'warning';
  code: string;
  message: string;
  hint?: string;
}): PlanDiagnostic {
  return { severity: d.severity, code: d.code, message: d.message, hint: d.hint };
}

function observeError(what: string, error: unknown): PlanDiagnostic {
  const message = error instanceof Error ? error.message : String(error);
  return { severity: 'error', code: 'E_OBSERVE', message: `could not observe ${what}: ${message}` };
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}
