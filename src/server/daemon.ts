/**
 * `phoenix serve` wired up: the state store, the source (a working tree or a repository it
 * clones), the reconciler, and the HTTP server. The CLI command only parses its flags and
 * calls `startDaemon`; tests and benchmarks call it directly.
 */
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { createPhoenix, type EndpointOverride } from '../app/create-phoenix.ts';
import { resolveSecret } from '../config/index.ts';
import { PhoenixError } from '../errors.ts';
import { DaemonCertificateKeeper, daemonTlsNames, issueDaemonCertificate } from '../gitops/daemon-certificate.ts';
import { EventBus } from '../gitops/event-bus.ts';
import { Reconciler } from '../gitops/reconciler.ts';
import { directorySource, gitSource, type DesiredStateSource, type GitCredentials } from '../gitops/source.ts';
import { UpstreamStats } from '../gitops/upstream.ts';
import { ApplyStats } from '../gitops/apply-stats.ts';
import { Notifier } from '../gitops/notify.ts';
import { openStateStore, type StateStore } from '../gitops/store.ts';
import { createDaemonServer, type DaemonServer } from './app.ts';
import { idleCollector } from './runtime-tuning.ts';

export interface DaemonOptions {
  /** A working tree (`--config DIR`)... */
  configDir?: string;
  /** ...or a repository the daemon clones (`--repo URL --branch B --path P`). */
  repo?: { url: string; branch: string; path?: string; credentials?: GitCredentials };
  /** `ADDR:PORT` (default 127.0.0.1:7780). */
  listen?: string;
  statePath: string;
  /** Secret reference of the webhook secret; default: the revision's `gitops.webhookSecret`. */
  webhookSecretRef?: string;
  /**
   * HTTPS with this certificate; `internal-ca`: with one issued by the environment's step-ca
   * (kept in `<state dir>/daemon-tls/`, renewed by the daemon). Default: plain HTTP on loopback,
   * `internal-ca` anywhere else.
   */
  tls?: { cert: string; key: string } | 'internal-ca';
  /** Serve plain HTTP on a non-loopback address anyway (behind a TLS-terminating proxy). */
  plainHttp?: boolean;
  /** Extra names for the `internal-ca` certificate (besides the listen address and host name). */
  tlsNames?: string[];
  /** Proxmox endpoint override (tests). */
  endpoint?: EndpointOverride;
  env?: Record<string, string | undefined>;
  log?(message: string, fields?: Record<string, unknown>): void;
  /** Test overrides of the policy intervals. */
  intervalsMs?: { poll?: number; selfHeal?: number; leaseRetry?: number; certificates?: number };
  /**
   * Run a full garbage collection this long after the last run once the daemon is idle
   * (`phoenix serve` sets it; see runtime-tuning.ts). Off by default: in-process callers
   * (tests) share their heap with other work.
   */
  idleGcMs?: number;
}

export interface RunningDaemon {
  /** Where it listens (empty while it waits for its first `internal-ca` certificate). */
  readonly url: string;
  /** Resolves with the URL once listening; rejects when it never can (no CA declared, port taken). */
  listening: Promise<string>;
  reconciler: Reconciler;
  store: StateStore;
  bus: EventBus;
  server: DaemonServer;
  notifier: Notifier;
  /** The first reconcile (startup). */
  firstRun: Promise<unknown>;
  /** Graceful stop: no new work, the resource in flight finishes, then everything closes. */
  stop(): Promise<void>;
}

export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(\[[0-9a-f:]+\]|[^:]+):(\d{1,5})$/i.exec(listen.trim());
  const port = Number(m?.[2]);
  if (!m || !(port >= 0 && port <= 65535)) {
    throw new PhoenixError(`--listen '${listen}' is not ADDR:PORT`, { code: 'E_LISTEN', hint: 'e.g. 127.0.0.1:7780' });
  }
  return { host: (m[1] ?? '').replace(/^\[|\]$/g, ''), port };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

export async function startDaemon(o: DaemonOptions): Promise<RunningDaemon> {
  const { host, port } = parseListen(o.listen ?? '127.0.0.1:7780');
  // Plain HTTP only on loopback or when asked for; elsewhere a certificate from the internal CA.
  const tlsMode: 'given' | 'internal-ca' | 'plain' =
    o.tls === 'internal-ca'
      ? 'internal-ca'
      : o.tls
        ? 'given'
        : isLoopback(host) || o.plainHttp
          ? 'plain'
          : 'internal-ca';
  if (!o.configDir === !o.repo) {
    throw new PhoenixError('give either --config DIR or --repo URL', { code: 'E_SERVE_SOURCE' });
  }
  const env = o.env ?? process.env;
  const statePath = resolve(o.statePath);
  const store = openStateStore(statePath);
  const source: DesiredStateSource = o.repo
    ? gitSource({ ...o.repo, workDir: join(statePath, '..', 'gitops-source') })
    : directorySource(o.configDir ?? '.');
  const bus = new EventBus();
  const upstream = new UpstreamStats();
  const applyStats = new ApplyStats(bus);
  const reconciler = new Reconciler({
    source,
    store,
    bus,
    log: o.log,
    intervalsMs: o.intervalsMs,
    openPhoenix: (configDir, identity) =>
      createPhoenix({
        configDir,
        identity,
        statePath,
        env,
        endpoint: o.endpoint,
        onRequest: (e) => upstream.record('proxmox', e.method, e.status, e.durationMs),
      }),
  });
  const server = createDaemonServer({
    reconciler,
    store,
    bus,
    upstream,
    applyStats,
    branch: o.repo?.branch,
    ...(typeof o.tls === 'object' ? { tls: o.tls } : {}),
    log: o.log,
    webhookSecret: async () => {
      const ref = o.webhookSecretRef ?? reconciler.policy.webhookSecret;
      if (!ref) return undefined;
      return resolveSecret(ref, { configDir: reconciler.configDir() ?? process.cwd(), env }).catch(() => undefined);
    },
  });
  const secretContext = () => ({ configDir: reconciler.configDir() ?? process.cwd(), env });
  const notifier = new Notifier({
    bus,
    snapshot: () => reconciler.snapshot(),
    certificatesDue: (now) => store.certificates.due(now),
    log: o.log,
    targets: async () => {
      const out = [];
      for (const target of reconciler.policy.notifications) {
        const url = /^(env|file):/.test(target.url)
          ? await resolveSecret(target.url, secretContext()).catch(() => undefined)
          : target.url;
        if (url) out.push({ target, url: url.trim() });
      }
      return out;
    },
  });
  let url = '';
  const listen = async (tls?: { cert: string; key: string }): Promise<string> => {
    try {
      url = await server.listen(host, port, tls);
      return url;
    } catch (error) {
      throw new PhoenixError(`cannot listen on ${host}:${port}`, {
        code: 'E_LISTEN',
        cause: error,
        detail: (error as Error).message,
        hint: 'is another daemon running on this port? choose another with --listen',
      });
    }
  };
  let keeper: DaemonCertificateKeeper | undefined;
  let listening: Promise<string>;
  if (tlsMode === 'internal-ca') {
    const dir = join(statePath, '..', 'daemon-tls');
    const names = daemonTlsNames(host, o.tlsNames);
    keeper = new DaemonCertificateKeeper({
      dir,
      issue: () => reconciler.withCurrent((phoenix) => issueDaemonCertificate({ phoenix, names, dir, store })),
      onRunFinished: (listener) =>
        bus.subscribe((e) => {
          if (e.type === 'run.finished') listener();
        }),
      log: o.log,
      checkMs: o.intervalsMs?.certificates,
    });
    const k = keeper;
    if (!k.material) o.log?.('waiting for the internal CA to issue the daemon certificate before listening', { host });
    listening = k.ready().then(async (m) => {
      k.onRenewed((renewed) => server.setCertificate(renewed));
      return listen(m);
    });
    listening.catch(() => undefined);
  } else {
    try {
      await listen(typeof o.tls === 'object' ? o.tls : undefined);
    } catch (error) {
      await notifier.close();
      store.close();
      throw error;
    }
    listening = Promise.resolve(url);
  }
  const collector =
    o.idleGcMs === undefined
      ? undefined
      : idleCollector({
          quietMs: o.idleGcMs,
          isIdle: () => {
            const s = reconciler.snapshot();
            return !s.running && s.queueDepth === 0;
          },
        });
  const unsubscribeCollector = bus.subscribe((e) => {
    if (e.type === 'run.finished') collector?.onRunEnd();
  });
  const firstRun = reconciler.start().catch((error: unknown) => error);
  keeper?.start();
  let stopped: Promise<void> | undefined;
  return {
    get url() {
      return url;
    },
    listening,
    reconciler,
    store,
    bus,
    server,
    notifier,
    firstRun,
    stop: () =>
      (stopped ??= (async () => {
        keeper?.close();
        await reconciler.stop();
        unsubscribeCollector();
        applyStats.close();
        collector?.close();
        await notifier.close();
        await server.close();
        store.close();
      })()),
  };
}
