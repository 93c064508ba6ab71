/** Records of the local state file. Times are epoch milliseconds. */

export type RunOutcome = 'running' | 'succeeded' | 'failed' | 'interrupted';

export interface RunRecord {
  id: string;
  environment: string;
  startedAt: number;
  finishedAt?: number;
  outcome: RunOutcome;
  planHash?: string;
  pid: number;
  hostname: string;
}

export type StepStatus = 'pending' | 'started' | 'succeeded' | 'failed';

/**
 * One step of an apply. `started` is written BEFORE the mutating call and `details` updated as
 * soon as something identifies the operation (e.g. the UPID of a clone), so a run killed with
 * -9 leaves the operation it had in flight for the next apply to find.
 */
export interface JournalEntry {
  runId: string;
  stepId: string;
  /** Resource address, e.g. `guest.web`. */
  address: string;
  /** `create`, `update`, `replace`, `delete`, `start`, ... (the engine's vocabulary). */
  action: string;
  status: StepStatus;
  /** Free-form JSON: UPID, vmid, node, error text. Never secrets. */
  details: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}

export interface LeaseInfo {
  environment: string;
  holderId: string;
  pid: number;
  hostname: string;
  acquiredAt: number;
  expiresAt: number;
}

export type EventLevel = 'info' | 'warning' | 'error';

export interface EventRecord {
  id: number;
  at: number;
  runId?: string;
  level: EventLevel;
  type: string;
  address?: string;
  message: string;
  data: Record<string, unknown>;
}

/** Certificates Phoenix issued or tracks (public parts only; private keys never go here). */
export interface CertificateRecord {
  name: string;
  serial: string;
  subject: string;
  issuer: string;
  notBefore: number;
  notAfter: number;
  renewAt?: number;
  fingerprint: string;
  pem: string;
  status: 'active' | 'renewing' | 'revoked' | 'expired';
  updatedAt: number;
}
