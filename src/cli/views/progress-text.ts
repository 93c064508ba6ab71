/** Wording shared by the progress views, so TTY and log output say the same things. */
import type { Action } from '../../engine/plan/types.ts';
import type { PostApplyEvent } from '../../engine/hook.ts';

const VERBS: Record<Action, string> = {
  create: 'creating',
  update: 'updating',
  'update-restart': 'updating (with restart)',
  replace: 'replacing',
  delete: 'destroying',
  noop: 'checking',
  read: 'reading',
};

export function verbOf(action: Action): string {
  return VERBS[action];
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

export function errorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}

/** The permanent line for a finished resource, without colour or symbol. */
export function finishedText(event: PostApplyEvent): string {
  if (event.outcome === 'failed')
    return `${event.address}: failed after ${seconds(event.durationMs)}: ${errorText(event.error)}`;
  if (event.outcome === 'skipped') return `${event.address}: skipped (${event.reason ?? 'not started'})`;
  return `${event.address}: ${event.outcome} in ${seconds(event.durationMs)}`;
}
