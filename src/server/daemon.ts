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
  tls?: { cert: string; key: string };
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
  url: string;
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
  if (!isLoopback(host) && !o.tls) {
    throw new PhoenixError(`refusing to serve plain HTTP on ${host}: only loopback may go without TLS`, {
      code: 'E_LISTEN_TLS',
      hint: 'give --tls-cert and --tls-key (e.g. a certificate from the internal step-ca), or listen on 127.0.0.1',
    });
  }
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
    tls: o.tls,
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
  let url: string;
  try {
    url = await server.listen(host, port);
  } catch (error) {
    await notifier.close();
    store.close();
    throw new PhoenixError(`cannot listen on ${host}:${port}`, {
      code: 'E_LISTEN',
      cause: error,
      detail: (error as Error).message,
      hint: 'is another daemon running on this port? choose another with --listen',
    });
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
  let stopped: Promise<void> | undefined;
  return {
    url,
    reconciler,
    store,
    bus,
    server,
    notifier,
    firstRun,
    stop: () =>
      (stopped ??= (async () => {
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
