/**
 * @module engine — the public surface of the engine: handler contract, planner, plan file,
 * executor, graph helpers. Callers (CLI, server, gitops) import from here.
 */
export * from './handler.ts';
export * from './hook.ts';
export * from './journal.ts';
export * from './plan/types.ts';
export { makePlan, planDigest, type PlanInput, type PlanResult } from './plan/planner.ts';
export { savePlan, loadPlan } from './plan/plan-file.ts';
export { findStaleEntries, assertPlanFresh, type StaleEntry } from './plan/stale.ts';
export { prepareSavedPlan } from './plan/saved-plan.ts';
export { digestOf, stableStringify } from './plan/digest.ts';
export { DependencyGraph, CycleError } from './graph/graph.ts';
export { buildConfigGraph, buildApplyGraph, buildFirstApplyGraph } from './graph/build.ts';
export { nodeStep } from './graph/transform-phases.ts';
export { toMermaid } from './graph/mermaid.ts';
export { criticalPath, remainingPath, type CriticalPath } from './graph/critical-path.ts';
export { executePlan, type ExecuteInput, type ExecuteResult, type ResourceOutcome } from './executor/executor.ts';
export { DEFAULT_HEALTH, DEFAULT_RETRY, type HealthPolicy, type RetryPolicy } from './executor/timing.ts';
export {
  statusRows,
  statusOk,
  type StatusRow,
  type SyncState,
  type HealthState,
  type Condition,
  type StatusInput,
} from './status.ts';
