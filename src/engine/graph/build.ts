/**
 * The two graph builders: the config graph the planner observes and diffs in, and the apply
 * graph the executor walks. Each is an ordered list of transforms (STYLE.md 9).
 */
import type { HandlerRegistry, Resource } from '../handler.ts';
import type { PlanDiagnostic, ResourceChange } from '../plan/types.ts';
import { phasing } from '../plan/decide.ts';
import { DependencyGraph } from './graph.ts';
import { runTransforms, type GraphTrace } from './transform.ts';
import { transformConfig } from './transform-config.ts';
import { transformCycle } from './transform-cycle.ts';
import { transformDestroyEdge } from './transform-destroy-edge.ts';
import { transformPhases } from './transform-phases.ts';
import { transformPlanNodes } from './transform-plan-nodes.ts';
import { transformPrune } from './transform-prune.ts';
import { transformReference } from './transform-reference.ts';
import { transformTargets } from './transform-targets.ts';

export interface ConfigGraphInput {
  resources: readonly Resource[];
  registry?: HandlerRegistry;
  targets?: string[];
  trace?: GraphTrace;
}

export interface BuiltGraph {
  graph: DependencyGraph;
  diagnostics: PlanDiagnostic[];
}

/** Desired resources → DAG with explicit and implicit edges, cycle check, target filter. */
export function buildConfigGraph(input: ConfigGraphInput): BuiltGraph {
  const diagnostics: PlanDiagnostic[] = [];
  const resources = new Map<string, Resource>();
  for (const resource of input.resources) {
    if (resources.has(resource.address)) {
      diagnostics.push({
        severity: 'error',
        code: 'E_DUPLICATE_ADDRESS',
        message: `${resource.address} is declared more than once`,
        address: resource.address,
      });
      continue;
    }
    resources.set(resource.address, resource);
  }
  const ctx = {
    graph: new DependencyGraph(),
    resources,
    registry: input.registry,
    targets: input.targets ?? [],
    diagnostics,
  };
  runTransforms(ctx, [transformConfig, transformReference, transformCycle, transformTargets], input.trace);
  return { graph: ctx.graph, diagnostics };
}

/**
 * The graph the first apply walks (everything created): the config graph with each resource that
 * starts separately split into its create and start nodes. `phoenix graph` prints it.
 */
export function buildFirstApplyGraph(input: ConfigGraphInput): BuiltGraph {
  const config = buildConfigGraph(input);
  if (config.diagnostics.some((d) => d.severity === 'error')) return config;
  const changes: ResourceChange[] = [];
  for (const resource of input.resources) {
    if (!config.graph.has(resource.address)) continue;
    const dependsOn = config.graph.dependenciesOf(resource.address).sort();
    changes.push({
      address: resource.address,
      kind: resource.kind,
      action: 'create',
      before: null,
      after: null,
      attributes: [],
      reasons: [],
      dependsOn,
      observedDigest: '',
      desiredDigest: '',
      // A provider marks `startsSeparately` only where its handler can start the resource.
      ...phasing({ power: async () => undefined }, resource, 'create', dependsOn),
    });
  }
  const applied = buildApplyGraph({ changes, keepNoops: true });
  return { graph: applied.graph, diagnostics: [...config.diagnostics, ...applied.diagnostics] };
}

export interface ApplyGraphInput {
  changes: readonly ResourceChange[];
  /** Keep unchanged resources in the graph (default false: they are pruned when not needed). */
  keepNoops?: boolean;
  trace?: GraphTrace;
}

/** Planned changes → the DAG the executor walks (destroy edges reversed, idle noops pruned). */
export function buildApplyGraph(input: ApplyGraphInput): BuiltGraph {
  const ctx = {
    graph: new DependencyGraph(),
    resources: new Map<string, Resource>(),
    changes: new Map(input.changes.map((c) => [c.address, c])),
    targets: [],
    diagnostics: [] as PlanDiagnostic[],
  };
  const steps = [transformPlanNodes, transformDestroyEdge, transformCycle];
  if (!input.keepNoops) steps.push(transformPrune);
  // After pruning: phases split what is left into create and start steps.
  steps.push(transformPhases);
  runTransforms(ctx, steps, input.trace);
  return { graph: ctx.graph, diagnostics: ctx.diagnostics };
}
