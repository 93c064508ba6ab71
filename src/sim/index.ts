/**
 * @module The Proxmox VE 8.4 simulator: `startSimulator(options)` runs the cluster model
 * (`./state`) behind a PVE-faithful `/api2/json` HTTP(S) server (`./server`) with access
 * control (`./access`), schema validation (`./schema`) and fault injection (`./faults`).
 *
 * @example
 * const sim = await startSimulator({ tls: false, speed: 0 });
 * await fetch(`${sim.url}/api2/json/version`, { headers: { Authorization: `PVEAPIToken=${sim.token}` } });
 * await sim.stop();
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { SimFaultOracle, SimModel } from './contract.ts';
import { AccessStore, defaultAccessStore } from './access/store.ts';
import { FaultInjector, type FaultConfig } from './faults/index.ts';
import { createSimHandler } from './server/handler.ts';
import { debounced, readStateFile, writeStateFile, type SimStateFile } from './server/persistence.ts';
import { fileLogSink, type RequestLogSink } from './server/request-log.ts';
import { fingerprintOf, generateSelfSigned, type TlsMaterial } from './server/tls.ts';
import { createSimModel, type SimModelOptions, type SimNodeOption, type StorageConfig } from './state/index.ts';
import type { SimContext } from './state/context.ts';
import { startNodeSide, type NodeSide, type SimSshEndpoint } from './node-side.ts';

export type { RequestLogEntry, RequestLogSink } from './server/request-log.ts';
export type { FaultConfig, FaultRule } from './faults/index.ts';
export type { NodeSide, SimSshEndpoint } from './node-side.ts';

/** The node side (`./node-side.ts`): one SSH server per node over per-node/per-guest file trees. */
export interface SimSshOptions {
  /** Default: `<statePath>.d` with a state file, else a temp dir removed at stop. */
  dataDir?: string;
  /** OpenSSH public keys allowed to log in; default a generated key (`clientKey` on the result). */
  authorizedKeys?: string[];
  /** Fixed port per node name; default free ports. */
  ports?: Record<string, number>;
}

export interface SimulatorOptions {
  /** Listen address; default 127.0.0.1. */
  host?: string;
  /** Default 0 (a free port). `phoenix sim` uses 8006. */
  port?: number;
  /** HTTPS with a self-signed certificate (default true); false = plain HTTP. */
  tls?: boolean;
  nodes?: SimNodeOption[];
  storages?: StorageConfig[];
  /** Task duration factor: 0 = instant, 1 = realistic (default 1). */
  speed?: number;
  seed?: number;
  faults?: FaultConfig;
  /** JSON file the cluster is persisted to and reloaded from. */
  statePath?: string;
  /** Request log as JSON lines. */
  logFile?: string;
  onRequest?: RequestLogSink;
  /** Delay before 401 answers; PVE uses 3000 ms. Default 0. */
  authDelayMs?: number;
  /** root@pam's password for ticket login (default: random, see `rootPassword` on the result). */
  rootPassword?: string;
  /** Secret of the `root@pam!phoenix` token (default: random, or the persisted one). */
  tokenSecret?: string;
  /** Extra model options (durations, templates ...). */
  modelOptions?: Partial<Omit<SimModelOptions, 'nodes' | 'storages' | 'speed' | 'seed' | 'faults' | 'initialState'>>;
  /** Replaces the cluster model (tests of the HTTP layer). */
  createModel?: (faults: SimFaultOracle, initialState: unknown) => SimModel;
  /**
   * Error bodies carry `message` like libpve-http-server ≥ 5.2.0 (PVE 8.4, default true);
   * false emulates earlier 8.x answers (`{"data":null}` only).
   */
  messageInErrorBody?: boolean;
  /** Debounce of state-file writes after mutating requests (default 500 ms). */
  persistDelayMs?: number;
  /** Start the node side: SSH servers (on `host`, random ports) and VM agent files on disk. */
  ssh?: boolean | SimSshOptions;
}

export interface SimulatorControl {
  /** Replaces the fault configuration (same as `PUT /api2/json/_sim/faults`). */
  setFaults(config: FaultConfig): void;
  /** Out-of-band change through the model (same as `POST /api2/json/_sim/control`). */
  apply(action: string, args?: Record<string, unknown>): unknown;
  readonly model: SimModel;
  readonly access: AccessStore;
  readonly faults: FaultInjector;
  /** Writes the state file now (no-op without `statePath`). */
  save(): void;
}

export interface RunningSimulator {
  /** `https://127.0.0.1:8006` (no trailing slash, no `/api2/json`). */
  url: string;
  /** `root@pam!phoenix=<secret>`: the value after `PVEAPIToken=`. */
  token: string;
  tokenId: string;
  rootPassword: string;
  /** SHA-256 fingerprint of the certificate (`AA:BB:...`); undefined for plain HTTP. */
  fingerprint?: string;
  control: SimulatorControl;
  /** SSH endpoint per node, when `ssh` was asked for. */
  ssh?: Record<string, SimSshEndpoint>;
  /** The generated client key (when no authorized keys were given). */
  clientKey?: NodeSide['clientKey'];
  /** The node side itself: data dir and per-node servers with their file trees (tests). */
  nodeSide?: NodeSide;
  stop(): Promise<void>;
}

const TOKEN_ID = 'root@pam!phoenix';
const DEFAULT_NODES: SimNodeOption[] = [{ name: 'pve', cores: 16, memoryMiB: 65536 }];

export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const saved = options.statePath ? readStateFile(options.statePath) : undefined;
  const rootPassword = options.rootPassword ?? randomBytes(12).toString('base64url');
  const access = saved ? AccessStore.fromJSON(saved.access) : defaultAccessStore(rootPassword);
  if (saved && options.rootPassword !== undefined) access.addUser('root@pam', { password: options.rootPassword });
  const tokenSecret = options.tokenSecret ?? saved?.bootstrapToken?.secret ?? randomUUID();
  if (!access.tokens.has(TOKEN_ID)) access.addToken('root@pam', 'phoenix', { privsep: 0, comment: 'Phoenix' });
  access.setTokenSecret(TOKEN_ID, tokenSecret);

  const faults = new FaultInjector(options.faults);
  let tlsMaterial: TlsMaterial | undefined;
  if (options.tls !== false) tlsMaterial = saved?.tls ?? (await generateSelfSigned());
  const model =
    options.createModel?.(faults, saved?.model) ??
    createSimModel({
      ...options.modelOptions,
      nodes: options.nodes ?? DEFAULT_NODES,
      storages: options.storages,
      speed: options.speed ?? 1,
      seed: options.seed ?? 1,
      faults,
      initialState: saved?.model,
      // `/nodes` rows carry the served certificate's fingerprint (none over plain HTTP).
      sslFingerprint: tlsMaterial ? fingerprintOf(tlsMaterial.certPem) : undefined,
    });

  const snapshot = (): SimStateFile => ({
    version: 1,
    model: model.toJSON(),
    access: access.toJSON(),
    bootstrapToken: { id: TOKEN_ID, secret: tokenSecret },
    tls: tlsMaterial,
  });
  const statePath = options.statePath;
  const save = (): void => {
    if (statePath) writeStateFile(statePath, snapshot());
  };
  const persist = debounced(save, options.persistDelayMs ?? 500);
  // Tasks finish (and change the cluster) between requests: save those too, now and then.
  const periodic = statePath ? setInterval(save, 10_000) : undefined;
  periodic?.unref();

  const sinks: RequestLogSink[] = [];
  if (options.logFile) sinks.push(fileLogSink(options.logFile));
  if (options.onRequest) sinks.push(options.onRequest);
  const handler = createSimHandler({
    model,
    access,
    faults,
    authDelayMs: options.authDelayMs ?? 0,
    logSinks: sinks,
    onMutation: statePath ? () => persist.touch() : undefined,
    now: () => Math.floor(Date.now() / 1000),
    messageInBody: options.messageInErrorBody ?? true,
  });

  const server: Server = tlsMaterial
    ? createHttpsServer({ cert: tlsMaterial.certPem, key: tlsMaterial.keyPem }, handler)
    : createHttpServer(handler);
  // pveproxy closes idle keep-alive connections after 5 s (spec §1).
  server.keepAliveTimeout = 5000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  save();
  const sshSetup = options.ssh === true ? {} : options.ssh || undefined;
  let nodeSide: NodeSide | undefined;
  let tempDir: string | undefined;
  if (sshSetup) {
    const context = (model as { context?: SimContext }).context;
    if (!context) throw new Error('the simulator node side (ssh) needs the built-in cluster model');
    if (!sshSetup.dataDir && !statePath) tempDir = mkdtempSync(join(tmpdir(), 'phoenix-sim-nodes-'));
    try {
      nodeSide = await startNodeSide(context, {
        dataDir: sshSetup.dataDir ?? tempDir ?? `${statePath}.d`,
        nodes: [...context.nodes.keys()],
        authorizedKeys: sshSetup.authorizedKeys,
        host,
        ports: sshSetup.ports,
      });
    } catch (error) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      model.close();
      if (tempDir) rmSync(tempDir, { recursive: true, force: true });
      throw error;
    }
  }

  let stopped = false;
  return {
    url: `${tlsMaterial ? 'https' : 'http'}://${shownHost}:${port}`,
    token: `${TOKEN_ID}=${tokenSecret}`,
    tokenId: TOKEN_ID,
    rootPassword: saved && options.rootPassword === undefined ? '(unchanged, from the state file)' : rootPassword,
    fingerprint: tlsMaterial ? fingerprintOf(tlsMaterial.certPem) : undefined,
    control: {
      setFaults: (config) => faults.configure(config),
      apply: (action, args = {}) => {
        const result = model.control(action, args);
        if (statePath) persist.touch();
        return result;
      },
      model,
      access,
      faults,
      save,
    },
    ssh: nodeSide?.endpoints,
    clientKey: nodeSide?.clientKey,
    nodeSide,
    async stop() {
      if (stopped) return;
      stopped = true;
      persist.cancel();
      if (periodic) clearInterval(periodic);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await nodeSide?.close();
      if (tempDir) rmSync(tempDir, { recursive: true, force: true });
      model.close();
      save();
    },
  };
}
