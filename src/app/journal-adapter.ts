/**
 * The engine's `Journal` over the SQLite state store: every step is written (and fsynced)
 * before the handler sends its mutating request, and task ids noted while it runs, so an apply
 * killed with -9 leaves a record the next apply can see.
 */
import type { Journal, JournalStep } from '../engine/journal.ts';
import type { StateStore } from '../state/index.ts';

export function stateJournal(store: StateStore, runId: string): Journal {
  return {
    begin(step: JournalStep): string {
      const stepId = `${step.address}#${step.attempt}`;
      store.journal.plan(runId, { stepId, address: step.address, action: step.action, details: { kind: step.kind } });
      store.journal.start(runId, stepId);
      return stepId;
    },
    note(id, data) {
      store.journal.note(runId, id, data);
    },
    succeed(id, outcome) {
      store.journal.succeed(runId, id, { outcome });
    },
    fail(id, message) {
      store.journal.fail(runId, id, { message });
    },
  };
}
