/**
 * The built-in simulator, in-process: the simulator's cluster model behind a `ProxmoxTransport`
 * that validates every request against the official PVE 8.4 parameter schema, exactly as the
 * simulator's HTTP layer does, without a socket. `phoenix up` uses it when no endpoint is
 * configured; its state is kept in a JSON file beside the state database so that `phoenix
 * status` (another process) sees the same cluster.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { clientOver, ProxmoxApiError, type ProxmoxClient } from '../clients/proxmox/index.ts';
import type { HttpMethod, Params, ProxmoxTransport, RequestEvent } from '../clients/proxmox/types.ts';
import { PhoenixError } from '../errors.ts';
import { SimApiError } from '../sim/contract.ts';
import { matchRoute, validateParams } from '../sim/schema/index.ts';
import { createSimModel, type SimModelHandle } from '../sim/state/index.ts';
import type { SimTopology } from './sim-topology.ts';

export interface BuiltinSimulator {
  readonly model: SimModelHandle;
  readonly client: ProxmoxClient;
  /** Writes the cluster state to `statePath` (also done by `close`). */
  save(): void;
  close(): void;
}

export interface BuiltinSimulatorOptions {
  topology: SimTopology;
  /** Task duration factor: 0 = instant, 1 = realistic (default 0.02: a homelab comes up in seconds). */
  speed?: number;
  /** JSON file holding the simulated cluster between runs; none = ephemeral. */
  statePath?: string;
  seed?: number;
  onRequest?: (event: RequestEvent) => void;
}

function wire(params: Params | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params ?? {})) {
    if (v === undefined || v === null) continue;
    const one = (x: string | number | boolean): string => (typeof x === 'boolean' ? (x ? '1' : '0') : String(x));
    out[k] = Array.isArray(v) ? v.map(one) : one(v as string | number | boolean);
  }
  return out;
}

export function startBuiltinSimulator(options: BuiltinSimulatorOptions): BuiltinSimulator {
  let initialState: unknown;
  if (options.statePath && existsSync(options.statePath)) {
    try {
      initialState = JSON.parse(readFileSync(options.statePath, 'utf8'));
    } catch (cause) {
      throw new PhoenixError(`simulator state ${options.statePath} is not readable`, {
        code: 'E_SIM_STATE',
        cause,
        hint: 'delete the file to start the simulated cluster afresh',
      });
    }
  }
  const model = createSimModel({
    nodes: options.topology.nodes,
    storages: options.topology.storages,
    speed: options.speed ?? 0.02,
    seed: options.seed ?? 1,
    faults: { taskFailure: () => undefined, lockTimeout: () => false },
    initialState,
  });
  const transport: ProxmoxTransport = {
    async request<T>(method: HttpMethod, path: string, params?: Params): Promise<T> {
      const started = performance.now();
      let status = 200;
      try {
        const match = matchRoute(path);
        if (!match) {
          status = 501;
          throw new ProxmoxApiError({ status, message: `no such uri ${path}`, method, path });
        }
        const checked = validateParams(method, match.route, { ...wire(params), ...match.pathParams });
        if (Object.keys(checked.errors).length > 0) {
          status = 400;
          throw new ProxmoxApiError({
            status,
            message: 'Parameter verification failed.',
            errors: checked.errors,
            method,
            path,
          });
        }
        try {
          return ((await model.call(method, match.route, checked.params)) ?? null) as T;
        } catch (error) {
          if (!(error instanceof SimApiError)) throw error;
          status = error.status;
          throw new ProxmoxApiError({ status, message: error.message.trim(), errors: error.errors, method, path });
        }
      } finally {
        options.onRequest?.({ method, path, status, durationMs: performance.now() - started, attempt: 1 });
      }
    },
  };
  const client = clientOver(transport, {
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: Date.now,
  });
  const save = (): void => {
    if (!options.statePath) return;
    mkdirSync(dirname(options.statePath), { recursive: true });
    const tmp = `${options.statePath}.tmp`;
    writeFileSync(tmp, JSON.stringify(model.toJSON()));
    renameSync(tmp, options.statePath);
  };
  return {
    model,
    client,
    save,
    close() {
      save();
      model.close();
    },
  };
}
