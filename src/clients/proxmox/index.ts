/**
 * @module Thin typed client for the Proxmox VE API (PVE 8.x): token auth, verified TLS (CA or
 * pinned fingerprint), bounded keep-alive pool, safe retries, task waiting, typed errors.
 */
export { createProxmoxClient, clientOver, type ProxmoxClient, type ProxmoxClientOptions } from './client.ts';
export { HttpTransport, type TransportOptions } from './transport.ts';
export {
  ProxmoxApiError,
  ProxmoxTaskError,
  isAlreadyExists,
  isConnectError,
  isConnectionReset,
  isLockError,
  isNotFound,
  isRetryable,
  isWorkerStartError,
} from './errors.ts';
export { DEFAULT_RETRY_POLICY, backoffDelay, mayRetry, type RetryPolicy } from './retry.ts';
export { FingerprintMismatchError, normalizeFingerprint, type TlsOptions } from './tls.ts';
export { isTaskSuccess, waitForTask, type TaskClock, type WaitForTaskOptions } from './tasks.ts';
export { TaskTimes, SEED_TASK_MS, nextPollAt, type PollState, type TaskHistory } from './task-times.ts';
export { apiPath, encodeParams, encodeSshKeys } from './encode.ts';
export { formatUpid, isUpid, parseUpid } from './upid.ts';
export type * from './types.ts';
export type * from './api/cluster.ts';
export type * from './api/guest.ts';
export type * from './api/lxc.ts';
export type * from './api/qemu.ts';
export type * from './api/storage.ts';
export type * from './api/network.ts';
export type * from './api/firewall.ts';
export type * from './api/access.ts';
export type * from './api/ha.ts';
