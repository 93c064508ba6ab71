/**
 * The seam between the simulator's HTTP layer (`src/sim/server/`: transport, envelope, auth,
 * schema validation, fault injection, request log, control endpoint, persistence) and its
 * cluster model (`src/sim/state/` + `src/sim/api/`: nodes, storage, guests, tasks, locks,
 * firewall, pools, network). The server validates and normalises a request against the
 * official PVE 8.4 schema, checks auth, then calls the route handler registered for the
 * schema path; the handler sees only well-typed parameters and throws `SimApiError` for
 * the PVE error answers of spec §3.
 */

export type SimMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** The authenticated caller. `tokenid` is set for API-token requests (`user@realm!tokenid`). */
export interface SimCaller {
  userid: string;
  tokenid?: string;
}

/** `userid` or `userid!tokenid`: the identity written into UPIDs and task lists. */
export function callerId(caller: SimCaller): string {
  return caller.tokenid ? `${caller.userid}!${caller.tokenid}` : caller.userid;
}

export interface SimRequest {
  method: SimMethod;
  /** The schema path this request matched, e.g. `/nodes/{node}/lxc/{vmid}/config`. */
  route: string;
  /**
   * All parameters after schema validation: path parameters merged in, integers and numbers
   * as JS numbers, booleans as 0/1 numbers (PVE's own representation), arrays for array params,
   * strings otherwise. Property strings (net0, rootfs, ...) arrive as the raw string; handlers
   * parse them with the property-string helpers generated from the schema.
   */
  params: Record<string, unknown>;
  caller: SimCaller;
  /**
   * The caller's privileges, for the checks PVE's handlers make in code (`user: all`
   * endpoints, list filters, per-key config privileges). Absent = a model-level call made as
   * root@pam (tests calling handlers directly).
   */
  access?: SimAccess;
  /** The file part of a `multipart/form-data` upload (its name is also in `params.filename`). */
  upload?: { name: string; data: Uint8Array };
}

/** Privilege checks on ACL paths (`/vms/100`, `/storage/local`, `/sdn/zones/localnetwork/vmbr0`). */
export interface SimAccess {
  /** True for `root@pam` itself (not its tokens): PVE skips the code checks for it. */
  readonly root: boolean;
  /** True if the caller holds all (with `any`, one) of `privs` on `path`. */
  has(path: string, privs: string[], any?: boolean): boolean;
  /** PVE's `raise_perm_exc`: 403 `Permission check failed (<path>, <priv>)` unless `has`. */
  check(path: string, privs: string[], any?: boolean): void;
  /** 403 `Permission check failed (<detail>)`, for the checks PVE words itself. */
  deny(detail?: string): never;
}

/** What a model-level call (no HTTP layer) may do: everything, like root@pam. */
export const ROOT_ACCESS: SimAccess = {
  root: true,
  has: () => true,
  check: () => undefined,
  deny: (detail) => {
    throw new SimApiError(403, detail ? `Permission check failed (${detail})` : 'Permission check failed');
  },
};

/** The access of a request (root when the model is called directly). */
export function accessOf(request: SimRequest): SimAccess {
  return request.access ?? ROOT_ACCESS;
}

/**
 * A PVE error answer: HTTP status, the error text (first line becomes the reason phrase and
 * the JSON `message`), and per-parameter `errors` for 400 parameter errors.
 */
export class SimApiError extends Error {
  readonly status: number;
  readonly errors?: Record<string, string>;

  constructor(status: number, message: string, errors?: Record<string, string>) {
    super(message);
    this.name = 'SimApiError';
    this.status = status;
    this.errors = errors;
  }
}

/**
 * Faults that must happen inside the cluster model rather than at the HTTP edge: the server's
 * fault injector implements this and passes it to the model.
 */
export interface SimFaultOracle {
  /** An error text if the task of this type should fail (`TASK ERROR: <text>`), else undefined. */
  taskFailure(taskType: string, node: string): string | undefined;
  /** True if this config-lock acquisition should time out (`can't lock file ... got timeout`). */
  lockTimeout(vmid: number): boolean;
}

/** A registered handler for one method on one schema path. */
export interface SimRoute {
  method: SimMethod;
  route: string;
  handler: (request: SimRequest) => unknown | Promise<unknown>;
}

/**
 * What the HTTP layer needs from the cluster model. The model owns nodes, storage, guests,
 * tasks and locks; the server owns access control (users, roles, ACLs, tokens, tickets).
 */
export interface SimModel {
  routes(): SimRoute[];
  /** Serializable snapshot for persistence across `phoenix sim` restarts. */
  toJSON(): unknown;
  /** Out-of-band changes made through the control endpoint (drift for Phoenix to find). */
  control(action: string, args: Record<string, unknown>): unknown;
  /** Stops timers (running tasks, virtual clock). */
  close(): void;
  /**
   * The pool an ACL object belongs to (`/vms/100` or `/storage/local` → `p1`): PVE grants a
   * pool's privileges on its members.
   */
  poolOf?(aclPath: string): string | undefined;
}
