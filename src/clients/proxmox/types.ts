/** Contracts shared by the client core, the area helpers and anything that fakes the client. */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** Parameter values as callers give them; encoded by `encode.ts` (booleans → 0/1, arrays → repeated keys). */
export type ParamValue = string | number | boolean | undefined | null | readonly (string | number | boolean)[];
export type Params = Readonly<Record<string, ParamValue>>;

export interface RequestOptions {
  /**
   * May this request be repeated when its outcome is unknown (5xx, 596/599, connection reset)?
   * Defaults to true for GET/PUT/DELETE and false for POST: a create/clone POST is never retried
   * blindly; the caller checks whether the guest exists and then decides.
   */
  retryUnsafe?: boolean;
  /** Time budget for this request including retries (ms); no retry starts past it, and each attempt gets at least 1 s. */
  timeoutMs?: number;
  /** Resource address carried into errors (e.g. `guest.web`). */
  resource?: string;
  signal?: AbortSignal;
}

/** One finished HTTP exchange, reported to `onRequest` (for counting requests in benchmarks). */
export interface RequestEvent {
  method: HttpMethod;
  path: string;
  /** HTTP status, or 0 when the connection failed. */
  status: number;
  durationMs: number;
  /** 1 for the first try. */
  attempt: number;
}

/** The one method every Proxmox access goes through; the simulator can implement it in-process. */
export interface ProxmoxTransport {
  request<T = unknown>(method: HttpMethod, path: string, params?: Params, options?: RequestOptions): Promise<T>;
}

/** Parsed `UPID:node:pid:pstart:starttime:type:id:user:` (spec §4.1). */
export interface Upid {
  upid: string;
  node: string;
  pid: number;
  pstart: number;
  /** Epoch seconds. */
  starttime: number;
  type: string;
  id: string;
  /** `user@realm` without the token part. */
  user: string;
  tokenid?: string;
}

export interface TaskStatus {
  upid: string;
  node: string;
  status: 'running' | 'stopped';
  exitstatus?: string;
  type: string;
  id?: string;
  user: string;
  starttime: number;
}
