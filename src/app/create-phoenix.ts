/**
 * `createPhoenix()`: the wiring of one environment — config loaded, resources derived, the
 * Proxmox endpoint resolved (or the built-in simulator started), handlers registered, the
 * state file `.phoenix/state.db` opened lazily. Commands, tests and benchmarks all go through
 * it; tests inject an endpoint (a started simulator) instead of the config's one.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createProxmoxClient, TaskTimes, type ProxmoxClient } from '../clients/proxmox/index.ts';
import type { RetryPolicy } from '../clients/proxmox/retry.ts';
import type { RequestEvent } from '../clients/proxmox/types.ts';
import { loadConfig, locateSecretError, resolveSecret, type LoadedConfig } from '../config/index.ts';
import type { Resource } from '../engine/handler.ts';
import type { HandlerRegistry } from '../engine/handler.ts';
import { deriveResources, type DerivedResources } from '../providers/proxmox/derive.ts';
import { guestAgentFromQemuApi, shellResolver, type ShellResolver } from '../providers/node/index.ts';
import { nodeTransports } from '../providers/node/provider.ts';
import type { Dial } from '../clients/dial/dialer.ts';
import { PhoenixError } from '../errors.ts';
import { guestDialer } from './guest-dialer.ts';
import type { Provider, ProviderRuntime, ProviderSettings, SelfAccessInfo } from '../providers/provider.ts';
import { openStateStore, type StateStore } from '../state/index.ts';
import type { BuiltinSimulator } from './builtin-simulator.ts';
import { simTopology } from './sim-topology.ts';
import { demoSecrets } from './demo-secrets.ts';
import { environmentIdentity, type EnvironmentIdentity } from './environment-id.ts';
import { nodeShellAccess, type NodeSshEndpoints } from './node-shell.ts';
import { simulatedStepCaDialer } from './pki-wiring.ts';
import { markRebalance, readPlacements, recordPlacements } from './placements.ts';
import { simulatedDockerDialer } from './docker-wiring.ts';
import { swarmClients } from '../providers/swarm/clients.ts';
import { simulatedPortainer } from './portainer-wiring.ts';
import { secretsKey } from './secret-key.ts';
import type { DockerClient } from '../clients/docker/client.ts';
import { buildRegistry, configFragments, deriveEnvironment, PROVIDERS, unmanagedSections } from './providers.ts';

/** A Proxmox endpoint given directly (tests, `--endpoint`), overriding the config's. */
export interface EndpointOverride {
  url: string;
  tokenId: string;
  tokenSecret: string;
  fingerprint?: string;
  caPem?: string;
  /** SSH endpoints of the nodes (a simulator started with `ssh`); none = no node resources. */
  ssh?: NodeSshEndpoints;
  /** Request retry policy of the client (tests shorten it). */
  retry?: Partial<RetryPolicy>;
}

export interface CreatePhoenixOptions {
  /** Nodes found down before placing new `node: auto` guests (set by createPhoenix itself). */
  offlineNodes?: ReadonlySet<string>;
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
  /** The provider modules (default: the registry's `PROVIDERS`; tests add their own). */
  providers?: readonly Provider[];
  /** `--rebalance`: place `node: auto` guests from scratch and migrate those found elsewhere. */
  rebalance?: boolean;
  /**
   * The identity when the config declares no `environment:` and the directory cannot tell it:
   * the GitOps daemon's checkouts carry no `.git`, so it passes the repository's identity.
   */
  identity?: EnvironmentIdentity;
  /** The Swarm guests' Docker Engine API (by vmid), where Phoenix can reach it. */
  swarm?: { docker(vmid: number): DockerClient };
  /** How services inside guests are reached (default: direct TCP; the built-in simulator's own). */
  dial?: Dial;
}

export interface Phoenix {
  readonly configDir: string;
  readonly loaded: LoadedConfig;
  /** The guest provider's view (guests, files), for commands that speak in guests. */
  readonly derived: DerivedResources;
  /** Every provider's desired resources, with their references. */
  readonly resources: Resource[];
  readonly providers: readonly Provider[];
  /** Declared config sections no provider manages ("declared, not managed by this version"). */
  readonly unmanagedSections: string[];
  /** The identity carried in Phoenix's ownership markers (declared `environment:` or derived). */
  readonly identity: EnvironmentIdentity;
  /** Shells on the nodes and guests when Phoenix can reach them (the certs report reads through them). */
  readonly shells?: ShellResolver;
  /** Where to connect for a guest's step-ca when it is not routable from here (the simulator's CA). */
  readonly dialStepCa?: ProviderRuntime['dialStepCa'];
  /** Resolves a secret reference the way the providers do (demo values on the built-in simulator). */
  resolveSecret(ref: string): Promise<string>;
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

/**
 * Whether the nodes' shells can be reached, known before connecting: an override's SSH
 * endpoints, `proxmox.ssh`, or the built-in simulator (which always serves its nodes' SSH).
 */
export function nodeShellReachable(config: LoadedConfig['config'], endpoint?: EndpointOverride): boolean {
  if (endpoint) return endpoint.ssh !== undefined;
  return config.proxmox ? config.proxmox.ssh !== undefined : true;
}

/** Config + registry -> the settings every provider derives from (no I/O). */
export function providerSettings(loaded: LoadedConfig, endpoint?: EndpointOverride): ProviderSettings {
  const nodeShell = nodeShellReachable(loaded.config, endpoint);
  return {
    config: loaded.config,
    configDir: loaded.dir,
    nodeShell,
    // The Swarm's Docker API is reached where the swarm provider works (it needs the nodes' shells).
    ...(nodeShell ? { swarmApi: true } : {}),
    builtinSimulator: endpoint === undefined && loaded.config.proxmox === undefined,
    locate: loaded.locate,
  };
}

/** Phoenix's own token and the roles the config grants to it or its user. */
function selfAccess(tokenId: string, config: LoadedConfig['config']): SelfAccessInfo {
  const user = tokenId.split('!')[0];
  const roles = config.host.acl.filter((a) => a.token === tokenId || a.user === user).map((a) => a.role);
  return { tokenId, roles: [...new Set(roles)] };
}

/** Nodes `/cluster/resources` lists as not online. */
async function offlineNodeNames(client: ProxmoxClient): Promise<Set<string>> {
  const rows = await client.cluster.resources('node');
  return new Set(rows.filter((r) => r.status !== 'online' && r.node).map((r) => String(r.node)));
}

export async function createPhoenix(options: CreatePhoenixOptions): Promise<Phoenix> {
  const configDir = resolve(options.configDir);
  const env = options.env ?? process.env;
  const providers = options.providers ?? PROVIDERS;
  // Where `node: auto` guests were placed before: kept (placements.ts), unless rebalancing.
  const placementState = options.statePath ?? defaultStatePath(configDir);
  const recorded = options.rebalance ? new Map<number, string>() : readPlacements(placementState);
  const loaded = await loadConfig(configDir, {
    fragments: configFragments(providers),
    placements: recorded,
    ...(options.offlineNodes ? { offlineNodes: options.offlineNodes } : {}),
  });
  // The identity every ownership marker carries; derivation reads it from the config.
  const identity =
    !loaded.config.environment && options.identity
      ? options.identity
      : environmentIdentity(configDir, loaded.config.environment);
  loaded.config.environment = identity.id;
  const derived = deriveResources(loaded.config);
  const statePath = options.statePath ?? defaultStatePath(configDir);
  // The built-in simulator is a demo: an unset `env:` secret gets a generated value (demo-secrets.ts).
  const demo =
    options.endpoint === undefined && loaded.config.proxmox === undefined
      ? demoSecrets(join(statePath, '..', 'sim-secrets'))
      : undefined;
  if (demo) loaded.warnings.push(...demo.prepare(loaded.config, env));
  const secret = async (ref: string): Promise<string> => {
    const generated = demo?.valueFor(ref, env);
    if (generated !== undefined) return generated;
    return resolveSecret(ref, { configDir, env }).catch((error: unknown) => {
      throw locateSecretError(error, loaded, ref);
    });
  };
  const base = providerSettings(loaded, options.endpoint);
  // A caller's own Docker clients (tests) make the Swarm's API reachable without node shells.
  const settings = { ...base, resolveSecret: secret, ...(options.swarm ? { swarmApi: true } : {}) };
  const environmentResources = await deriveEnvironment(providers, settings);
  if (options.rebalance) markRebalance(loaded, environmentResources.resources);
  loaded.warnings.push(...environmentResources.warnings);

  let client: ProxmoxClient;
  let simulator: BuiltinSimulator | undefined;
  // Expected task durations: learned per target in the state file (read only once it exists).
  const taskTimes = new TaskTimes({
    load: () => (existsSync(statePath) ? state().taskDurations.load(environment) : {}),
    record: (type, meanMs, samples) => state().taskDurations.record(environment, type, meanMs, samples),
  });
  let environment: string;
  /** The token Phoenix authenticates with (its own access is never changed by Phoenix). */
  let tokenId: string | undefined;
  const proxmox = loaded.config.proxmox;
  if (options.endpoint) {
    const e = options.endpoint;
    client = createProxmoxClient({
      endpoint: e.url,
      tokenId: e.tokenId,
      tokenSecret: e.tokenSecret,
      tls: e.url.startsWith('https:') ? { fingerprint: e.fingerprint, caPem: e.caPem } : undefined,
      onRequest: options.onRequest,
      ...(e.retry ? { retry: e.retry } : {}),
      taskTimes,
    });
    tokenId = e.tokenId;
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
      taskTimes,
    });
    tokenId = proxmox.tokenId;
    environment = proxmox.endpoint;
  } else {
    // Loaded only when used: the simulator (and the PVE schema it validates with) is tens of MB
    // a process talking to a real Proxmox (or a long-running daemon) should not carry.
    const { startBuiltinSimulator } = await import('./builtin-simulator.ts');
    simulator = await startBuiltinSimulator({
      topology: simTopology(loaded.config),
      speed: options.simulator?.speed,
      statePath: options.simulator?.ephemeral ? undefined : join(statePath, '..', 'simulator.json'),
      onRequest: options.onRequest,
    });
    client = simulator.client;
    environment = `simulator:${configDir}`;
  }
  // A guest placed now (`node: auto`, no earlier decision) never goes to a node that is down:
  // asked only when there is such a guest, then placed again without the offline nodes.
  const placedNow = [...(loaded.placement?.decisions.values() ?? [])].filter((d) => d.how === 'placed');
  if (!simulator && !options.offlineNodes && placedNow.length > 0) {
    // A failed read leaves the decisions as they are (the plan then reports the cluster's state).
    const offline = await offlineNodeNames(client).catch(() => new Set<string>());
    if (placedNow.some((d) => offline.has(d.node))) {
      await client.close();
      return createPhoenix({ ...options, offlineNodes: offline });
    }
  }
  if (!options.rebalance) recordPlacements(placementState, loaded);

  let store: StateStore | undefined;
  const state = (): StateStore => {
    // Lazy: a plain `plan` never needs to create the SQLite file.
    store ??= openStateStore(statePath);
    return store;
  };
  // Asked only when a declared object (e.g. a vmid) exists without its ownership marker.
  const isAdopted = (address: string, observed: { lock?: string }): boolean => {
    if (!existsSync(statePath)) return false;
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
  const closers: (() => Promise<void>)[] = [];
  const nodeAccess = nodeShellAccess({
    endpoint: options.endpoint,
    hasProxmox: proxmox !== undefined,
    proxmoxSsh: proxmox?.ssh,
    simulatorSsh: simulator?.ssh,
    configDir,
    resolveSecret: secret,
  });
  let registry: Awaited<ReturnType<typeof buildRegistry>>;
  let shells: ShellResolver | undefined;
  let dialer: ((node: string) => Dial) | undefined;
  let dialStepCa: ProviderRuntime['dialStepCa'];
  try {
    // One set of node connections (opened on first use) for every provider working in guests.
    if (nodeAccess) {
      const transports = await nodeTransports(nodeAccess, loaded.config);
      closers.push(() => transports.close());
      shells = shellResolver({ node: (name) => transports.get(name), agent: guestAgentFromQemuApi(client.qemu) });
      dialer = guestDialer((name) => transports.get(name));
    }
    const stepCa = simulator?.nodeSide?.dataDir ? simulatedStepCaDialer(simulator.nodeSide.dataDir) : undefined;
    if (stepCa) closers.push(() => stepCa.close());
    dialStepCa = stepCa?.dial;
    const docker = simulator?.nodeSide?.dataDir
      ? simulatedDockerDialer(simulator.nodeSide.dataDir, async (vmid) =>
          (await client.cluster.resources('vm')).some((r) => Number(r.vmid) === vmid),
        )
      : undefined;
    if (docker) closers.push(() => docker.close());
    // The Docker Engine of a Swarm guest: a test's, else the swarm provider's shared clients
    // (the simulator's engines on the built-in simulator, TLS on 2376 through the dialer otherwise).
    const swarmDocker = (vmid: number): DockerClient => {
      if (options.swarm) return options.swarm.docker(vmid);
      const clients = swarmClients(runtime);
      const guest = clients.guests.find((g) => g.vmid === vmid);
      if (!guest) throw new PhoenixError(`guest ${vmid} is not a Swarm node`, { code: 'E_SWARM_CONFIG' });
      return clients.node(guest.name);
    };
    const simPortainer = simulator?.nodeSide?.dataDir
      ? simulatedPortainer({
          guests: loaded.config.guests.flatMap((g) => {
            const ip = (g.net ?? []).find((n) => n.ip !== undefined && n.ip !== 'dhcp')?.ip?.split('/')[0];
            return ip ? [{ vmid: g.id, ip }] : [];
          }),
          guestRoot: (vmid) => join(simulator!.nodeSide!.dataDir, 'guests', String(vmid), 'root'),
          docker: (vmid) => {
            try {
              return swarmDocker(vmid);
            } catch {
              return undefined;
            }
          },
        })
      : undefined;
    if (simPortainer) closers.push(() => simPortainer.close());
    const dial = options.dial ?? simPortainer?.dial;
    const runtime: ProviderRuntime = {
      ...settings,
      environment,
      identity: identity.id,
      ...(tokenId ? { self: selfAccess(tokenId, loaded.config) } : {}),
      resolveSecret: secret,
      proxmox: () => client,
      nodeAccess,
      ...(shells ? { shells } : {}),
      ...(stepCa ? { dialStepCa: stepCa.dial } : {}),
      ...(dialer ? { dialer } : {}),
      ...(docker ? { dialDocker: docker.dial } : {}),
      swarmDocker,
      ...(dial ? { dial } : {}),
      vault: () => {
        const key = secretsKey(statePath);
        const secrets = state().secrets;
        return {
          get: (name) => secrets.get(environment, name, key),
          put: (name, value) => secrets.put(environment, name, value, key),
          delete: (name) => secrets.delete(environment, name),
        };
      },
      taskTimeoutMs: options.taskTimeoutMs,
      isAdopted,
      onClose: (close) => void closers.push(close),
    };
    registry = await buildRegistry(providers, runtime);
  } catch (error) {
    for (const close of closers.splice(0).reverse()) await close();
    await client.close();
    await simulator?.close();
    throw error;
  }
  return {
    configDir,
    loaded,
    derived,
    resources: environmentResources.resources,
    providers,
    unmanagedSections: unmanagedSections(providers, loaded.config),
    identity,
    ...(shells ? { shells } : {}),
    ...(dialStepCa ? { dialStepCa } : {}),
    resolveSecret: secret,
    registry,
    client,
    environment,
    endpointKind: simulator ? 'simulator' : 'proxmox',
    simulator,
    statePath,
    state,
    async close() {
      store?.close();
      for (const close of closers.splice(0).reverse()) await close();
      await client.close();
      await simulator?.close();
    },
  };
}
