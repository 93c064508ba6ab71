/**
 * An in-memory `ResourceHandler` for engine tests (and for anyone who needs a handler that is
 * not Proxmox). State is a plain map of attribute records; every call is logged with start and
 * end times so tests can check ordering, overlap, lock keys and per-node limits.
 */
import type { DiffResponse, ObservedResource, Resource, ResourceHandler } from '../handler.ts';
import type { AttributeChange } from '../plan/types.ts';

export type Attrs = Record<string, unknown>;

export interface FakeObject {
  attrs: Attrs;
  node?: string;
  protected?: boolean;
  dependsOn?: string[];
}

export interface FakeCall {
  op: 'create' | 'update' | 'delete';
  address: string;
  start: number;
  end: number;
  attempt: number;
}

export interface FakeHandlerOptions {
  kind?: string;
  /** Shared world (several handlers may share one). */
  objects?: Map<string, FakeObject>;
  /** Duration of a mutating call in ms (default 0). */
  durationMs?: (address: string, op: FakeCall['op']) => number;
  /** Attributes whose change forces replacement / needs a restart / are secrets. */
  replaceKeys?: string[];
  restartKeys?: string[];
  sensitiveKeys?: string[];
  /** Make the nth call(s) of an address fail; `retryable` marks the error. */
  fail?: (address: string, op: FakeCall['op'], attempt: number) => { retryable: boolean } | undefined;
  /** Health answers per address; default healthy. */
  health?: (address: string, poll: number) => 'healthy' | 'pending' | 'unhealthy';
  now?: () => number;
  /** Sleep used for `durationMs` (default: real timers); pass a virtual clock's for exact timing. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export class FakeError extends Error {
  readonly retryable: boolean;
  constructor(message: string, retryable: boolean) {
    super(message);
    this.retryable = retryable;
  }
}

export interface FakeHandler extends ResourceHandler<Attrs, Attrs> {
  objects: Map<string, FakeObject>;
  calls: FakeCall[];
  observeCalls: number;
  /** Most calls in flight at once. */
  maxInFlight: number;
  healthPolls: Map<string, number>;
}

export function fakeHandler(options: FakeHandlerOptions = {}): FakeHandler {
  const kind = options.kind ?? 'fake';
  const objects = options.objects ?? new Map<string, FakeObject>();
  const now = options.now ?? (() => performance.now());
  const calls: FakeCall[] = [];
  const healthPolls = new Map<string, number>();
  let inFlight = 0;
  const attempts = new Map<string, number>();

  async function mutate(op: FakeCall['op'], address: string, signal: AbortSignal, apply: () => void): Promise<void> {
    const key = `${op}:${address}`;
    const attempt = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, attempt);
    inFlight += 1;
    handler.maxInFlight = Math.max(handler.maxInFlight, inFlight);
    const start = now();
    try {
      const ms = options.durationMs?.(address, op) ?? 0;
      if (ms > 0) await (options.sleep ?? delay)(ms, signal);
      const failure = options.fail?.(address, op, attempt);
      if (failure) throw new FakeError(`${op} ${address} failed (attempt ${attempt})`, failure.retryable);
      apply();
    } finally {
      inFlight -= 1;
      calls.push({ op, address, start, end: now(), attempt });
    }
  }

  const toObserved = (address: string, o: FakeObject): ObservedResource<Attrs> => ({
    address,
    kind,
    observed: o.attrs,
    node: o.node,
    protected: o.protected,
    dependsOn: o.dependsOn,
  });

  const handler: FakeHandler = {
    kind,
    objects,
    calls,
    observeCalls: 0,
    maxInFlight: 0,
    healthPolls,
    async observe({ resource }) {
      handler.observeCalls += 1;
      const o = objects.get(resource.address);
      return o ? { observed: { ...o.attrs }, node: o.node } : { observed: null };
    },
    async observeAll() {
      handler.observeCalls += 1;
      return {
        found: [...objects].map(([address, o]) => toObserved(address, { ...o, attrs: { ...o.attrs } })),
        unmanaged: [],
      };
    },
    diff({ resource, observed }): DiffResponse {
      if (observed === null)
        return { action: 'create', changes: [], requiresReplace: [], requiresRestart: false, reasons: [] };
      const changes: AttributeChange[] = [];
      const keys = new Set([...Object.keys(resource.desired), ...Object.keys(observed)]);
      for (const key of [...keys].sort()) {
        const before = observed[key];
        const after = resource.desired[key];
        if (JSON.stringify(before) === JSON.stringify(after)) continue;
        const sensitive = options.sensitiveKeys?.includes(key);
        changes.push({ path: key, before, after, ...(sensitive ? { sensitive: true } : {}) });
      }
      const requiresReplace = changes.filter((c) => options.replaceKeys?.includes(c.path)).map((c) => c.path);
      const requiresRestart = changes.some((c) => options.restartKeys?.includes(c.path));
      return {
        action: changes.length === 0 ? 'noop' : 'update',
        changes,
        requiresReplace,
        requiresRestart,
        reasons: changes.map((c) => `${c.path} changed`),
      };
    },
    async create({ ctx, resource }) {
      await mutate('create', resource.address, ctx.signal, () => {
        objects.set(resource.address, { attrs: { ...resource.desired }, node: resource.node });
      });
      return {};
    },
    async update({ ctx, resource }) {
      await mutate('update', resource.address, ctx.signal, () => {
        const o = objects.get(resource.address);
        objects.set(resource.address, { ...o, attrs: { ...resource.desired } });
      });
      return {};
    },
    async delete({ ctx, address }) {
      await mutate('delete', address, ctx.signal, () => {
        objects.delete(address);
      });
      return {};
    },
    health: options.health
      ? async ({ resource }) => {
          const poll = (healthPolls.get(resource.address) ?? 0) + 1;
          healthPolls.set(resource.address, poll);
          return { status: options.health?.(resource.address, poll) ?? 'healthy' };
        }
      : undefined,
  };
  return handler;
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** A desired resource of the fake kind. */
export function fakeResource(address: string, desired: Attrs, extra: Partial<Resource<Attrs>> = {}): Resource<Attrs> {
  return { address, kind: 'fake', desired, dependsOn: [], ...extra };
}
