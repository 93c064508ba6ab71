/**
 * The executor's record of in-flight work, so an interrupted apply (Ctrl-C, kill -9) can be
 * seen and finished by the next apply. The engine only defines the interface; the SQLite
 * state store (`src/state`) implements it. `memoryJournal()` is the in-process implementation
 * used by tests and by dry runs.
 *
 * Protocol per step: `begin` before the handler is called, then exactly one of `succeed` or
 * `fail`. A step that has `begin` but neither was interrupted. Handlers may `note` details of
 * the operation while it runs (a task id, the id of an object just created) so that recovery
 * can find the half-done work instead of doing it twice.
 */
import type { Action } from './plan/types.ts';
import type { Outcome } from './hook.ts';

export interface JournalStep {
  address: string;
  kind: string;
  /**
   * The operation this step carries out: `create`, `update`, `update-restart` or `delete`. A
   * `replace` is journalled as two steps, a `delete` then a `create`, each with its own attempts,
   * so a step key must include the action: `address` + `attempt` alone is not unique. A phased
   * create journals its separate start as `start`.
   */
  action: Action | 'start';
  /** Which attempt of this action this is (1-based); a retry begins a new step. */
  attempt: number;
}

export interface Journal {
  /** Records the start of a step; returns its id. */
  begin(step: JournalStep): string | Promise<string>;
  /** Adds details to a running step (merged with earlier notes). Must not hold secrets. */
  note(id: string, data: Record<string, unknown>): void | Promise<void>;
  succeed(id: string, outcome: Outcome): void | Promise<void>;
  /** `message` is the error's one-line summary, never a secret. */
  fail(id: string, message: string): void | Promise<void>;
}

/** The journal as a handler sees it: bound to the step being applied. */
export interface StepJournal {
  note(data: Record<string, unknown>): void | Promise<void>;
}

export interface MemoryJournalEntry extends JournalStep {
  id: string;
  status: 'running' | 'succeeded' | 'failed';
  notes: Record<string, unknown>;
  outcome?: Outcome;
  message?: string;
}

/** An in-memory journal; `entries` is readable for tests. */
export function memoryJournal(): Journal & { entries: MemoryJournalEntry[] } {
  const entries: MemoryJournalEntry[] = [];
  const find = (id: string): MemoryJournalEntry | undefined => entries.find((e) => e.id === id);
  return {
    entries,
    begin(step) {
      const id = String(entries.length + 1);
      entries.push({ ...step, id, status: 'running', notes: {} });
      return id;
    },
    note(id, data) {
      const entry = find(id);
      if (entry) Object.assign(entry.notes, data);
    },
    succeed(id, outcome) {
      const entry = find(id);
      if (entry) Object.assign(entry, { status: 'succeeded', outcome });
    },
    fail(id, message) {
      const entry = find(id);
      if (entry) Object.assign(entry, { status: 'failed', message });
    },
  };
}

/** A journal that records nothing. */
export const nullJournal: Journal = {
  begin: () => '0',
  note: () => undefined,
  succeed: () => undefined,
  fail: () => undefined,
};
