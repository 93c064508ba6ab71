/**
 * The graph is built by an ordered list of small transforms (STYLE.md 9), each in its own
 * `transform-<name>.ts`. A transform mutates the graph in its context and adds diagnostics; it
 * never throws for a user mistake. `runTransforms` traces the graph after each step.
 */
import type { HandlerRegistry, Resource } from '../handler.ts';
import type { PlanDiagnostic, ResourceChange } from '../plan/types.ts';
import type { DependencyGraph } from './graph.ts';

export interface GraphBuildContext {
  graph: DependencyGraph;
  /** Desired resources by address. */
  resources: ReadonlyMap<string, Resource>;
  /** Planned changes by address (apply graphs only). */
  changes?: ReadonlyMap<string, ResourceChange>;
  registry?: HandlerRegistry;
  /** `--target` addresses; empty means everything. */
  targets: string[];
  diagnostics: PlanDiagnostic[];
}

export interface GraphTransform {
  readonly name: string;
  apply(ctx: GraphBuildContext): void;
}

/** Called after each step with the graph, for trace logging. */
export type GraphTrace = (step: string, graph: DependencyGraph) => void;

export function runTransforms(ctx: GraphBuildContext, steps: GraphTransform[], trace?: GraphTrace): void {
  for (const step of steps) {
    step.apply(ctx);
    trace?.(step.name, ctx.graph);
  }
}
