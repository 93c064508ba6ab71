/** @module The local SQLite state file: runs, journal, leases, events, certificate records. */
export { openStateStore, type OpenStateOptions, type StateStore } from './store.ts';
export { LeaseHeldError, LeaseLostError, type AcquireOptions, type Lease, type LeasesApi } from './lease.ts';
export type { JournalApi, RunsApi } from './runs.ts';
export type { CertificatesApi, EventsApi } from './records.ts';
export type { TaskDurationsApi } from './task-durations.ts';
export { processAlive, type StoreContext } from './context.ts';
export type * from './types.ts';
export {
  tokenHash,
  type GitopsApi,
  type GitopsRunRecord,
  type GitopsOutcome,
  type GitopsTrigger,
  type HoldRecord,
  type HoldStatus,
  type TokenScope,
} from './gitops.ts';
