/**
 * The planner: observe what is there, diff it against what is declared, decide an action per
 * resource (ARCHITECTURE principle 1 — never trusts a cache). Returns the plan (pure data)
 * plus the observations the executor needs to apply it.
 *
 * Rules: a managed resource absent from the config is deleted only with `prune`; a protected
 * resource is never deleted or replaced (a plan error); `targets` limit planning to those
 * resources and their dependencies.
 */
import { composeHooks, NoopHook, type Hook } from '../hook.ts';
import type { HandlerRegistry, ObservedResource, Resource } from '../handler.ts';
import { buildConfigGraph } from '../graph/build.ts';
import { DependencyGraph } from '../graph/graph.ts';
import type { GraphTrace } from '../graph/transform.ts';
import { digestOf } from './digest.ts';
import { observeResources } from './observe.ts';
import { decideChange, orphanChange } from './decide.ts';
import { PLAN_FORMAT_VERSION, type DriftEntry, type Plan, type PlanDiagnostic, type ResourceChange } from './types.ts';

export interface PlanInput {
  resources: readonly Resource[];
  registry: HandlerRegistry;
  /** Also discover managed resources of these kinds when none is declared (for prune). */
  kinds?: readonly string[];
  prune?: boolean;
  targets?: readonly string[];
  /** Max observe calls in flight for handlers without `observeAll` (default 8). */
  observeConcurrency?: number;
  hook?: Hook;
  signal?: AbortSignal;
  now?: () => Date;
  trace?: GraphTrace;
}

export interface PlanResult {
  plan: Plan;
  /** Observations by address (found resources only), for the executor's update/delete calls. */
  observations: Map<string, ObservedResource>;
  resources: Map<string, Resource>;
}

export async function makePlan(input: PlanInput): Promise<PlanResult> {
  const hook = composeHooks(input.hook ?? new NoopHook());
  const targets = [...(input.targets ?? [])];
  const prune = input.prune ?? false;
  const declared = new Set(input.resources.map((r) => r.address));
  // A target that is not declared can only be a managed resource that left the config: it is
  // looked for among the discovered ones below (and is an unknown target when not found).
  const declaredTargets = targets.filter((t) => declared.has(t));
  const undeclaredTargets = targets.filter((t) => !declared.has(t));
  const { graph, diagnostics } = buildConfigGraph({
    resources: input.resources,
    registry: input.registry,
    targets: declaredTargets,
    trace: input.trace,
  });
  const resources = new Map<string, Resource>();
  const onlyUndeclared = declaredTargets.length === 0 && undeclaredTargets.length > 0;
  for (const r of input.resources)
    if (graph.has(r.address) && !resources.has(r.address) && !onlyUndeclared) resources.set(r.address, r);
  for (const r of resources.values()) {
    if (!input.registry.get(r.kind)) {
      diagnostics.push({
        severity: 'error',
        code: 'E_UNKNOWN_KIND',
        message: `${r.address}: no handler for kind ${r.kind}`,
        address: r.address,
      });
    }
  }
  const ctx = { signal: input.signal ?? new AbortController().signal, hook };
  const observed = await observeResources(
    [...resources.values()],
    input.registry,
    ctx,
    input.observeConcurrency ?? 8,
    input.kinds ?? [],
  );
  diagnostics.push(...observed.diagnostics);
  const hasCycle = diagnostics.some((d) => d.code === 'E_DEPENDENCY_CYCLE');
  const order = hasCycle ? [...resources.keys()].sort() : graph.topologicalOrder();

  const changes: ResourceChange[] = [];
  const drift: DriftEntry[] = [];
  for (const address of order) {
    const resource = resources.get(address);
    if (!resource || observed.failed.has(address)) continue;
    const handler = input.registry.get(resource.kind);
    if (!handler) continue;
    const found = observed.found.get(address);
    const dependsOn = graph.dependenciesOf(address).sort();
    const decision = await decideChange(handler, resource, found, dependsOn);
    changes.push(decision.change);
    diagnostics.push(...decision.diagnostics);
    if (found && decision.change.attributes.length > 0) {
      drift.push({ address, kind: resource.kind, paths: decision.change.attributes.map((a) => a.path) });
    }
  }

  for (const target of undeclaredTargets) {
    if (observed.found.has(target)) continue;
    diagnostics.push({
      severity: 'error',
      code: 'E_UNKNOWN_TARGET',
      message: `target ${target} is not a known resource: neither declared nor managed by Phoenix`,
      address: target,
      hint: 'use an address from `phoenix plan`, e.g. guest.101',
    });
  }
  const deletes: ResourceChange[] = [];
  for (const found of [...observed.found.values()].sort((a, b) => a.address.localeCompare(b.address))) {
    if (declared.has(found.address)) continue;
    if (targets.length > 0 && !targets.includes(found.address)) continue;
    const { change, diagnostic } = orphanChange(found, prune);
    if (diagnostic) diagnostics.push(diagnostic);
    if (change) deletes.push(change);
  }
  changes.push(...orderDeletes(deletes));

  const errored = diagnostics.some((d) => d.severity === 'error');
  const plan: Plan = {
    formatVersion: PLAN_FORMAT_VERSION,
    createdAt: (input.now?.() ?? new Date()).toISOString(),
    changes,
    drift,
    unmanaged: observed.unmanaged.map((u) => ({ address: u.address, kind: u.kind, summary: u.summary })),
    diagnostics: sortDiagnostics(diagnostics),
    complete: targets.length === 0 && observed.failed.size === 0 && !errored,
    applyable: !errored,
    errored,
    observedDigest: planDigest(changes),
    options: { prune, targets },
  };
  const observations = new Map<string, ObservedResource>();
  for (const [address, found] of observed.found) observations.set(address, found);
  return { plan, observations, resources };
}

/** Digest over every change's observation, in address order. */
export function planDigest(changes: readonly ResourceChange[]): string {
  const pairs = changes.map((c) => [c.address, c.observedDigest] as const).sort(([a], [b]) => a.localeCompare(b));
  return digestOf(pairs);
}

/** Deletes are listed after everything else, dependents before what they depend on. */
function orderDeletes(deletes: ResourceChange[]): ResourceChange[] {
  const byAddress = new Map(deletes.map((d) => [d.address, d]));
  const graph = new DependencyGraph();
  for (const d of deletes) graph.add(d.address);
  for (const d of deletes) for (const dep of d.dependsOn) if (byAddress.has(dep)) graph.addEdge(dep, d.address);
  const order = graph.findCycle() ? [...byAddress.keys()] : graph.topologicalOrder();
  return order.map((a) => byAddress.get(a) as ResourceChange);
}

function sortDiagnostics(diagnostics: PlanDiagnostic[]): PlanDiagnostic[] {
  const rank = (d: PlanDiagnostic): number => (d.severity === 'error' ? 0 : 1);
  return [...diagnostics].sort((a, b) => rank(a) - rank(b));
}
