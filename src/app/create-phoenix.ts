/**
 * `createPhoenix()`: the wiring of one environment — config loaded, resources derived, the
 * Proxmox endpoint resolved (or the built-in simulator started), handlers registered, the
 * state file `.phoenix/state.db` opened lazily. Commands, tests and benchmarks all go through
 * it; tests inject an endpoint (a started simulator) instead of the config's one.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createProxmoxClient, type ProxmoxClient } from '../clients/proxmox/index.ts';
import type { RequestEvent } from '../clients/proxmox/types.ts';
import { loadConfig, locateSecretError, resolveSecret, type LoadedConfig } from '../config/index.ts';
import type { Resource } from '../engine/handler.ts';
import { handlerRegistry, type HandlerRegistry } from '../engine/handler.ts';
import { deriveResources, type DerivedResources } from '../providers/proxmox/derive.ts';
import { providerHandlers } from '../providers/registry.ts';
import { deriveHostResources, fileSecretSink, linkToHost } from '../providers/pve-host/index.ts';
import { openStateStore, type StateStore } from '../state/index.ts';
import { startBuiltinSimulator, type BuiltinSimulator } from './builtin-simulator.ts';
import { simTopology } from './sim-topology.ts';
import { nodeShellAccess, wireNodeShell, type NodeSshEndpoints, type NodeShellWiring } from './node-shell.ts';

/** A Proxmox endpoint given directly (tests, `--endpoint`), overriding the config's. */
export interface EndpointOverride {
  url: string;
  tokenId: string;
  tokenSecret: string;
  fingerprint?: string;
  caPem?: string;
  /** SSH endpoints of the nodes (a simulator started with `ssh`); none = no node resources. */
  ssh?: NodeSshEndpoints;
}

export interface CreatePhoenixOptions {
  /** The config directory. */
  configDir: string;
  /** State file (default `<configDir>/.phoenix/state.db`, or `./.phoenix/state.db` if not writable). */
  statePath?: string;
  env?: Record<string, string | undefined>;
  endpoint?: EndpointOverride;
  /** Options of the built-in simulator used when no endpoint is configured. */
  simulator?: { speed?: number; ephemeral?: boolean };
  onRequest?: (event: RequestEvent) => void;
  /** Bound of one PVE task or lock wait (default 10 min). */
  taskTimeoutMs?: number;
}

export interface Phoenix {
  readonly configDir: string;
  readonly loaded: LoadedConfig;
  readonly derived: DerivedResources;
  readonly resources: Resource[];
  /** Every handler of this environment; `kinds()` lists them (prune discovers all of them). */
  readonly registry: HandlerRegistry & { kinds(): string[] };
  readonly client: ProxmoxClient;
  /** Name of the environment the lease and the journal are kept under. */
  readonly environment: string;
  /** `simulator` when the built-in simulator serves this environment. */
  readonly endpointKind: 'proxmox' | 'simulator';
  readonly simulator?: BuiltinSimulator;
  readonly statePath: string;
  /** Opens the state file on first use. */
  state(): StateStore;
  close(): Promise<void>;
}

function writableDir(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Event recorded in the state file by `phoenix import`: the guest may be tagged and managed. */
export const IMPORT_EVENT = 'guest.imported';

export function defaultStatePath(configDir: string): string {
  return writableDir(configDir) ? join(configDir, '.phoenix', 'state.db') : resolve('.phoenix', 'state.db');
}

export async function createPhoenix(options: CreatePhoenixOptions): Promise<Phoenix> {
  const configDir = resolve(options.configDir);
  const env = options.env ?? process.env;
  const loaded = await loadConfig(configDir);
  const derived = deriveResources(loaded.config);
  const hostResources = deriveHostResources(loaded.config);
  const statePath = options.statePath ?? defaultStatePath(configDir);
  const secret = (ref: string) =>
    resolveSecret(ref, { configDir, env }).catch((error: unknown) => {
      throw locateSecretError(error, loaded, ref);
    });

  let client: ProxmoxClient;
  let simulator: BuiltinSimulator | undefined;
  let environment: string;
  const proxmox = loaded.config.proxmox;
  if (options.endpoint) {
    const e = options.endpoint;
    client = createProxmoxClient({
      endpoint: e.url,
      tokenId: e.tokenId,
      tokenSecret: e.tokenSecret,
      tls: e.url.startsWith('https:') ? { fingerprint: e.fingerprint, caPem: e.caPem } : undefined,
      onRequest: options.onRequest,
    });
    environment = e.url;
  } else if (proxmox) {
    const tls = proxmox.tls
      ? {
          fingerprint: proxmox.tls.fingerprint,
          caFile: proxmox.tls.caFile ? resolve(configDir, proxmox.tls.caFile) : undefined,
        }
      : {};
    client = createProxmoxClient({
      endpoint: proxmox.endpoint,
      tokenId: proxmox.tokenId,
      tokenSecret: await secret(proxmox.tokenSecret),
      tls: proxmox.endpoint.startsWith('https:') ? tls : undefined,
      ...(proxmox.connectTimeout !== undefined && { timeouts: { connectMs: proxmox.connectTimeout * 1000 } }),
      onRequest: options.onRequest,
    });
    environment = proxmox.endpoint;
  } else {
    simulator = await startBuiltinSimulator({
      topology: simTopology(loaded.config),
      speed: options.simulator?.speed,
      statePath: options.simulator?.ephemeral ? undefined : join(statePath, '..', 'simulator.json'),
      onRequest: options.onRequest,
    });
    client = simulator.client;
    environment = `simulator:${configDir}`;
  }

  let store: StateStore | undefined;
  const state = (): StateStore => {
    // Lazy: a plain `plan` never needs to create the SQLite file.
    store ??= openStateStore(statePath);
    return store;
  };
  // Asked only when a declared vmid exists without the ownership tag.
  const isAdopted = (vmid: number, observed: { lock?: string }): boolean => {
    if (!existsSync(statePath)) return false;
    const address = `guest.${vmid}`;
    if (
      state()
        .events.list({ address, limit: 100 })
        .some((e) => e.type === IMPORT_EVENT)
    )
      return true;
    // Mid-create by this or an earlier (killed) apply: its step is still `started` and PVE still
    // holds the create/clone lock (a QEMU clone gets its tags only when it ends).
    if (observed.lock === undefined) return false;
    return state()
      .runs.list(environment, 20)
      .some((run) =>
        state()
          .journal.entries(run.id)
          .some((e) => e.address === address && e.status === 'started'),
      );
  };
  let nodeShell: NodeShellWiring;
  try {
    nodeShell = await wireNodeShell({
      config: loaded.config,
      proxmox: client,
      access: nodeShellAccess({
        endpoint: options.endpoint,
        hasProxmox: proxmox !== undefined,
        proxmoxSsh: proxmox?.ssh,
        simulatorSsh: simulator?.ssh,
        configDir,
        resolveSecret: secret,
      }),
    });
  } catch (error) {
    // What this function started (client sockets, the in-process simulator and its SSH servers)
    // would otherwise keep the process alive after the command reported the error.
    await client.close().catch(() => undefined);
    await simulator?.close().catch(() => undefined);
    throw error;
  }
  loaded.warnings.push(...nodeShell.warnings);
  const registry = handlerRegistry([
    ...providerHandlers({
      proxmox: client,
      resolveSecret: secret,
      taskTimeoutMs: options.taskTimeoutMs,
      isAdopted,
      secretSink: fileSecretSink(configDir),
    }),
    ...nodeShell.handlers,
  ]);
  return {
    configDir,
    loaded,
    derived,
    resources: nodeShell.link([...linkToHost(derived.all, hostResources), ...hostResources]),
    registry,
    client,
    environment,
    endpointKind: simulator ? 'simulator' : 'proxmox',
    simulator,
    statePath,
    state,
    async close() {
      store?.close();
      await nodeShell.close();
      await client.close();
      await simulator?.close();
    },
  };
}
