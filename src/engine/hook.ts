/**
 * Events the engine emits while it plans and applies. The engine never prints (STYLE.md 10):
 * the CLI's TTY progress view, plain log lines and the dashboard's event stream are separate
 * `Hook` implementations. Extend `NoopHook` to implement only the events you need.
 *
 * Hooks must be fast and must not throw: they run on the scheduler's path. An exception in a
 * hook is caught by the engine and ignored so a broken view never breaks an apply.
 */
import type { Action } from './plan/types.ts';

/** The result of applying one resource. `unchanged` = noop; `skipped` = not attempted. */
export type Outcome = 'created' | 'updated' | 'unchanged' | 'deleted' | 'failed' | 'skipped';

export interface ObserveEvent {
  address: string;
  kind: string;
}

export interface PostObserveEvent extends ObserveEvent {
  /** The resource exists in the system. */
  found: boolean;
  error?: unknown;
}

export interface ApplyEvent {
  address: string;
  kind: string;
  action: Action;
}

export interface PostApplyEvent extends ApplyEvent {
  outcome: Outcome;
  durationMs: number;
  /** Set when `outcome` is `failed` (the error) or `skipped` (why, e.g. `upstream failed`). */
  error?: unknown;
  reason?: string;
}

/** Free-form progress of a running step: `waiting for task`, `health: pending (3/20)`, retries. */
export interface ProgressEvent {
  address: string;
  message: string;
}

export interface EngineDiagnosticEvent {
  severity: 'error' | 'warning' | 'info';
  message: string;
  address?: string;
}

export interface Hook {
  preObserve(event: ObserveEvent): void;
  postObserve(event: PostObserveEvent): void;
  preApply(event: ApplyEvent): void;
  postApply(event: PostApplyEvent): void;
  progress(event: ProgressEvent): void;
  diagnostic(event: EngineDiagnosticEvent): void;
}

/** A hook that does nothing; extend it and override what you need. */
export class NoopHook implements Hook {
  preObserve(_event: ObserveEvent): void {}
  postObserve(_event: PostObserveEvent): void {}
  preApply(_event: ApplyEvent): void {}
  postApply(_event: PostApplyEvent): void {}
  progress(_event: ProgressEvent): void {}
  diagnostic(_event: EngineDiagnosticEvent): void {}
}

type HookMethod = keyof Hook;

/** Calls every hook in order; an exception in one hook is swallowed (see header). */
export function composeHooks(...hooks: Hook[]): Hook {
  const call = <M extends HookMethod>(method: M, event: Parameters<Hook[M]>[0]): void => {
    for (const hook of hooks) {
      try {
        (hook[method] as (e: typeof event) => void).call(hook, event);
      } catch {
        // A broken view must not break an apply.
      }
    }
  };
  return {
    preObserve: (e) => call('preObserve', e),
    postObserve: (e) => call('postObserve', e),
    preApply: (e) => call('preApply', e),
    postApply: (e) => call('postApply', e),
    progress: (e) => call('progress', e),
    diagnostic: (e) => call('diagnostic', e),
  };
}
