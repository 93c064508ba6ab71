/**
 * `/metrics` in the Prometheus text format (0.0.4): resources by kind/sync/health, the last
 * sync (time, duration, result, revision), drift count, certificate expiry, upstream requests
 * and latency by system, and the reconcile queue depth. Checked by `promtool check metrics`.
 */
import type { DaemonSnapshot } from '../gitops/reconciler.ts';
import { LATENCY_BUCKETS_S, type UpstreamStats } from '../gitops/upstream.ts';
import type { CertificateRecord } from '../gitops/store.ts';

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
  now?: number;
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

  w.family('phoenix_drifted_resources', 'gauge', 'Resources whose observed state differs from git.');
  w.sample('phoenix_drifted_resources', {}, snapshot.rows.filter((r) => r.sync === 'drifted').length);

  w.family('phoenix_last_sync_timestamp_seconds', 'gauge', 'End of the last reconcile run (Unix time).');
  w.sample('phoenix_last_sync_timestamp_seconds', {}, (snapshot.lastSync?.at ?? 0) / 1000);
  w.family('phoenix_last_sync_duration_seconds', 'gauge', 'Duration of the last reconcile run.');
  w.sample('phoenix_last_sync_duration_seconds', {}, (snapshot.lastSync?.durationMs ?? 0) / 1000);
  w.family('phoenix_last_sync_success', 'gauge', '1 when the last run succeeded or found everything in sync.');
  const ok = snapshot.lastSync?.outcome === 'succeeded' || snapshot.lastSync?.outcome === 'in-sync';
  w.sample('phoenix_last_sync_success', {}, ok ? 1 : 0);
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
  return w.lines.join('\n') + '\n';
}
