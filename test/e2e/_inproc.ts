/**
 * An in-process Proxmox transport over the simulator's cluster model, validated against the
 * official PVE 8.4 parameter schema exactly like the simulator's HTTP layer does. Used by the
 * fast provider tests; the end-to-end tests drive the real HTTP simulator.
 */
import { clientOver, ProxmoxApiError, type ProxmoxClient } from '../../src/clients/proxmox/index.ts';
import type { HttpMethod, Params, ProxmoxTransport } from '../../src/clients/proxmox/types.ts';
import type { SimTopology } from '../../src/app/sim-topology.ts';
import { SimApiError } from '../../src/sim/contract.ts';
import { matchRoute, validateParams } from '../../src/sim/schema/index.ts';
import { createSimModel, type SimModelHandle } from '../../src/sim/state/index.ts';

export interface InProcessSim {
  model: SimModelHandle;
  client: ProxmoxClient;
  /** Every request as `METHOD path`, in order. */
  log: { method: HttpMethod; path: string; status: number }[];
  close(): void;
}

function wire(params: Params | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params ?? {})) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) out[k] = v.map((x) => (typeof x === 'boolean' ? (x ? '1' : '0') : String(x)));
    else out[k] = typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
  }
  return out;
}

/** Wraps each request: call `next()` to reach the model (or not), then answer or throw. */
export type Intercept = (method: HttpMethod, path: string, next: () => Promise<unknown>) => Promise<unknown>;

export function startInProcessSim(
  options: { speed?: number; seed?: number; topology?: SimTopology; templates?: string[]; intercept?: Intercept } = {},
): InProcessSim {
  const model = createSimModel({
    nodes: options.topology?.nodes ?? [{ name: 'pve', cores: 32, memoryMiB: 131072 }],
    storages: options.topology?.storages,
    templates: options.templates ?? [],
    speed: options.speed ?? 0,
    seed: options.seed ?? 1,
    faults: { taskFailure: () => undefined, lockTimeout: () => false },
  });
  const log: InProcessSim['log'] = [];
  const transport: ProxmoxTransport = {
    async request<T>(method: HttpMethod, path: string, params?: Params): Promise<T> {
      const match = matchRoute(path);
      if (!match) {
        log.push({ method, path, status: 501 });
        throw new ProxmoxApiError({ status: 501, message: `no such uri ${path}`, method, path });
      }
      const validated = validateParams(method, match.route, { ...wire(params), ...match.pathParams });
      if (Object.keys(validated.errors).length > 0) {
        log.push({ method, path, status: 400 });
        throw new ProxmoxApiError({
          status: 400,
          message: 'Parameter verification failed.',
          errors: validated.errors,
          method,
          path,
        });
      }
      try {
        const result = await model.call(method, match.route, validated.params);
        log.push({ method, path, status: 200 });
        return (result ?? null) as T;
      } catch (error) {
        if (error instanceof SimApiError) {
          log.push({ method, path, status: error.status });
          throw new ProxmoxApiError({
            status: error.status,
            message: error.message.trim(),
            errors: error.errors,
            method,
            path,
          });
        }
        throw error;
      }
    },
  };
  const intercepted: ProxmoxTransport = options.intercept
    ? {
        request: <T>(method: HttpMethod, path: string, params?: Params) =>
          options.intercept?.(method, path, () => transport.request(method, path, params)) as Promise<T>,
      }
    : transport;
  const client = clientOver(intercepted, {
    sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 5))),
    now: Date.now,
  });
  return { model, client, log, close: () => model.close() };
}
