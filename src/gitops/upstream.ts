/**
 * Counts the requests Phoenix sends to the systems it manages (today: the Proxmox API, through
 * the client's `onRequest`), by system, method and status class, with a latency histogram —
 * what `/metrics` exports as `phoenix_upstream_*`.
 */
export const LATENCY_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

export interface UpstreamSeries {
  system: string;
  method: string;
  code: string;
  count: number;
}

export interface LatencySeries {
  system: string;
  buckets: number[];
  count: number;
  sumSeconds: number;
}

export class UpstreamStats {
  private readonly requests = new Map<string, UpstreamSeries>();
  private readonly latency = new Map<string, LatencySeries>();

  record(system: string, method: string, status: number, durationMs: number): void {
    const code = status === 0 ? 'error' : `${Math.floor(status / 100)}xx`;
    const key = `${system}\0${method}\0${code}`;
    const series = this.requests.get(key) ?? { system, method, code, count: 0 };
    series.count += 1;
    this.requests.set(key, series);
    const l = this.latency.get(system) ?? { system, buckets: LATENCY_BUCKETS_S.map(() => 0), count: 0, sumSeconds: 0 };
    const seconds = durationMs / 1000;
    LATENCY_BUCKETS_S.forEach((b, i) => {
      if (seconds <= b) l.buckets[i] = (l.buckets[i] ?? 0) + 1;
    });
    l.count += 1;
    l.sumSeconds += seconds;
    this.latency.set(system, l);
  }

  requestSeries(): UpstreamSeries[] {
    return [...this.requests.values()];
  }

  latencySeries(): LatencySeries[] {
    return [...this.latency.values()];
  }
}
