/**
 * `/metrics` in the Prometheus text format (0.0.4): resources by kind/sync/health, health per
 * provider and per resource, the last sync (time, duration, outcome, revision), drift count,
 * certificate expiry and renewal, apply and run durations, upstream requests and latency by
 * system, the reconcile queue depth, and the daemon's own process figures (resident memory,
 * CPU, heap). Checked by `promtool check metrics`.
 */
import { DURATION_BUCKETS_S, type ApplyStats, type DurationSeries } from '../gitops/apply-stats.ts';
import type { DaemonSnapshot } from '../gitops/reconciler.ts';
import { providerOfKind } from '../gitops/status-rows.ts';
import { LATENCY_BUCKETS_S, type UpstreamStats } from '../gitops/upstream.ts';
import type { CertificateRecord } from '../gitops/store.ts';
import { getHeapSpaceStatistics } from 'node:v8';

function esc(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labels(l: Record<string, string>): string {
  const parts = Object.entries(l).map(([k, v]) => `${k}="${esc(v)}"`);
  return parts.length > 0 ? `{${parts.join(',')}}` : '';
}

class Writer {
  readonly lines: string[] = [];
  family(name: string, type: 'gauge' | 'counter' | 'histogram', help: string): void {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  }
  sample(name: string, l: Record<string, string>, value: number): void {
    this.lines.push(`${name}${labels(l)} ${Number.isFinite(value) ? value : 0}`);
  }
}

export interface MetricsInput {
  snapshot: DaemonSnapshot;
  certificates: CertificateRecord[];
  upstream: UpstreamStats;
  runsByOutcome: Record<string, number>;
  applyStats?: ApplyStats;
  /** The daemon's own process (omitted in tests that compare exact text). */
  process?: boolean;
  now?: number;
}

function histogram(w: Writer, name: string, help: string, series: DurationSeries[]): void {
  w.family(name, 'histogram', help);
  for (const s of series) {
    DURATION_BUCKETS_S.forEach((b, i) => w.sample(`${name}_bucket`, { ...s.labels, le: String(b) }, s.buckets[i] ?? 0));
    w.sample(`${name}_bucket`, { ...s.labels, le: '+Inf' }, s.count);
    w.sample(`${name}_sum`, s.labels, s.sumSeconds);
    w.sample(`${name}_count`, s.labels, s.count);
  }
}

function processMetrics(w: Writer): void {
  const cpu = process.cpuUsage();
  w.family('process_cpu_seconds_total', 'counter', 'User and system CPU time of the daemon.');
  w.sample('process_cpu_seconds_total', {}, (cpu.user + cpu.system) / 1e6);
  w.family('process_resident_memory_bytes', 'gauge', 'Resident memory of the daemon.');
  w.sample('process_resident_memory_bytes', {}, process.memoryUsage.rss());
  w.family('process_start_time_seconds', 'gauge', 'Start of the daemon process (Unix time).');
  w.sample('process_start_time_seconds', {}, Math.round((Date.now() - process.uptime() * 1000) / 1000));
  const heap = process.memoryUsage();
  w.family('nodejs_heap_size_total_bytes', 'gauge', 'V8 heap committed.');
  w.sample('nodejs_heap_size_total_bytes', {}, heap.heapTotal);
  w.family('nodejs_heap_size_used_bytes', 'gauge', 'V8 heap in use.');
  w.sample('nodejs_heap_size_used_bytes', {}, heap.heapUsed);
  w.family('nodejs_heap_space_size_bytes', 'gauge', 'V8 heap committed per space (young generation: new_space).');
  for (const space of getHeapSpaceStatistics()) {
    w.sample('nodejs_heap_space_size_bytes', { space: space.space_name }, space.space_size);
  }
}

export function renderMetrics(input: MetricsInput): string {
  const w = new Writer();
  const { snapshot } = input;
  const now = input.now ?? Date.now();

  w.family('phoenix_resources', 'gauge', 'Managed resources by kind, sync state and health.');
  const counts = new Map<string, { kind: string; sync: string; health: string; n: number }>();
  for (const r of snapshot.rows) {
    const key = `${r.kind}\0${r.sync}\0${r.health}`;
    const c = counts.get(key) ?? { kind: r.kind, sync: r.sync, health: r.health, n: 0 };
    c.n += 1;
    counts.set(key, c);
  }
  for (const c of counts.values()) w.sample('phoenix_resources', { kind: c.kind, sync: c.sync, health: c.health }, c.n);

  // Per provider: how many of its resources are in each health, and 1 when all are healthy.
  const providers = new Map<string, Map<string, number>>();
  for (const r of snapshot.rows) {
    const p = providerOfKind(r.kind);
    const byHealth = providers.get(p) ?? new Map<string, number>();
    byHealth.set(r.health, (byHealth.get(r.health) ?? 0) + 1);
    providers.set(p, byHealth);
  }
  w.family('phoenix_provider_resources', 'gauge', 'Managed resources by provider and health.');
  for (const [provider, byHealth] of providers)
    for (const [health, n] of byHealth) w.sample('phoenix_provider_resources', { provider, health }, n);
  w.family('phoenix_provider_healthy', 'gauge', '1 when every resource of the provider is healthy.');
  for (const [provider, byHealth] of providers) {
    const total = [...byHealth.values()].reduce((a, b) => a + b, 0);
    w.sample('phoenix_provider_healthy', { provider }, byHealth.get('healthy') === total ? 1 : 0);
  }
  // Per resource (a gateway route, a certificate, a guest): what an alert names.
  w.family('phoenix_resource_healthy', 'gauge', '1 when the resource is healthy (0: degraded, progressing, unknown).');
  for (const r of snapshot.rows) {
    w.sample(
      'phoenix_resource_healthy',
      { provider: providerOfKind(r.kind), kind: r.kind, address: r.address },
      r.health === 'healthy' ? 1 : 0,
    );
  }
  w.family('phoenix_resource_in_sync', 'gauge', '1 when the resource matches git.');
  for (const r of snapshot.rows) {
    w.sample(
      'phoenix_resource_in_sync',
      { provider: providerOfKind(r.kind), kind: r.kind, address: r.address },
      r.sync === 'in sync' ? 1 : 0,
    );
  }

  w.family('phoenix_drifted_resources', 'gauge', 'Resources whose observed state differs from git.');
  w.sample('phoenix_drifted_resources', {}, snapshot.rows.filter((r) => r.sync === 'drifted').length);

  w.family('phoenix_last_sync_timestamp_seconds', 'gauge', 'End of the last reconcile run (Unix time).');
  w.sample('phoenix_last_sync_timestamp_seconds', {}, (snapshot.lastSync?.at ?? 0) / 1000);
  w.family('phoenix_last_sync_duration_seconds', 'gauge', 'Duration of the last reconcile run.');
  w.sample('phoenix_last_sync_duration_seconds', {}, (snapshot.lastSync?.durationMs ?? 0) / 1000);
  w.family('phoenix_last_sync_success', 'gauge', '1 when the last run succeeded or found everything in sync.');
  const ok = snapshot.lastSync?.outcome === 'succeeded' || snapshot.lastSync?.outcome === 'in-sync';
  w.sample('phoenix_last_sync_success', {}, ok ? 1 : 0);
  w.family('phoenix_last_sync_outcome', 'gauge', 'Outcome of the last run (label), always 1.');
  if (snapshot.lastSync) w.sample('phoenix_last_sync_outcome', { outcome: snapshot.lastSync.outcome }, 1);
  w.family('phoenix_revision_info', 'gauge', 'The revision in force (label), always 1.');
  w.sample('phoenix_revision_info', { revision: snapshot.revision ?? '' }, 1);

  w.family('phoenix_sync_runs_total', 'counter', 'Reconcile runs by outcome since the daemon started.');
  for (const [outcome, n] of Object.entries(input.runsByOutcome)) w.sample('phoenix_sync_runs_total', { outcome }, n);

  w.family('phoenix_reconcile_queue_depth', 'gauge', 'Reconcile jobs queued or running.');
  w.sample('phoenix_reconcile_queue_depth', {}, snapshot.queueDepth);

  w.family('phoenix_certificate_expiry_seconds', 'gauge', 'Seconds until a tracked certificate expires.');
  for (const c of input.certificates) {
    w.sample('phoenix_certificate_expiry_seconds', { name: c.name }, Math.round((c.notAfter - now) / 1000));
  }

  w.family('phoenix_certificate_renewal_due', 'gauge', '1 when a tracked certificate is past its renewal time.');
  for (const c of input.certificates) {
    w.sample('phoenix_certificate_renewal_due', { name: c.name }, c.renewAt !== undefined && c.renewAt <= now ? 1 : 0);
  }

  if (input.applyStats) {
    histogram(
      w,
      'phoenix_apply_duration_seconds',
      'Apply of one resource, by kind and outcome.',
      input.applyStats.applies.list(),
    );
    histogram(w, 'phoenix_sync_duration_seconds', 'Reconcile runs, by trigger.', input.applyStats.runs.list());
  }

  w.family('phoenix_upstream_requests_total', 'counter', 'Requests sent to managed systems.');
  for (const s of input.upstream.requestSeries()) {
    w.sample('phoenix_upstream_requests_total', { system: s.system, method: s.method, code: s.code }, s.count);
  }
  w.family('phoenix_upstream_request_duration_seconds', 'histogram', 'Latency of requests to managed systems.');
  for (const l of input.upstream.latencySeries()) {
    LATENCY_BUCKETS_S.forEach((b, i) =>
      w.sample(
        'phoenix_upstream_request_duration_seconds_bucket',
        { system: l.system, le: String(b) },
        l.buckets[i] ?? 0,
      ),
    );
    w.sample('phoenix_upstream_request_duration_seconds_bucket', { system: l.system, le: '+Inf' }, l.count);
    w.sample('phoenix_upstream_request_duration_seconds_sum', { system: l.system }, l.sumSeconds);
    w.sample('phoenix_upstream_request_duration_seconds_count', { system: l.system }, l.count);
  }
  if (input.process) processMetrics(w);
  return w.lines.join('\n') + '\n';
}
