/**
 * Durations for `/metrics`: each resource apply by kind and outcome, each reconcile run by
 * trigger — histograms fed by the event bus (`resource.applied`, `run.finished`), so the
 * reconciler needs to know nothing about metrics.
 */
import type { EventBus } from './event-bus.ts';

/** Seconds: a step takes from milliseconds (a file) to minutes (a clone, a VM boot). */
export const DURATION_BUCKETS_S = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600] as const;

export interface DurationSeries {
  labels: Record<string, string>;
  buckets: number[];
  count: number;
  sumSeconds: number;
}

class Histogram {
  private readonly series = new Map<string, DurationSeries>();
  observe(labels: Record<string, string>, seconds: number): void {
    const key = JSON.stringify(labels);
    const s = this.series.get(key) ?? { labels, buckets: DURATION_BUCKETS_S.map(() => 0), count: 0, sumSeconds: 0 };
    DURATION_BUCKETS_S.forEach((b, i) => {
      if (seconds <= b) s.buckets[i] = (s.buckets[i] ?? 0) + 1;
    });
    s.count += 1;
    s.sumSeconds += seconds;
    this.series.set(key, s);
  }
  list(): DurationSeries[] {
    return [...this.series.values()];
  }
}

export class ApplyStats {
  readonly applies = new Histogram();
  readonly runs = new Histogram();
  private readonly unsubscribe: () => void;

  constructor(bus: EventBus) {
    this.unsubscribe = bus.subscribe((e) => {
      const ms = Number(e.data['durationMs']);
      if (!Number.isFinite(ms)) return;
      if (e.type === 'resource.applied') {
        this.applies.observe(
          { kind: String(e.data['kind'] ?? ''), outcome: String(e.data['outcome'] ?? '') },
          ms / 1000,
        );
      } else if (e.type === 'run.finished') {
        this.runs.observe({ trigger: String(e.data['trigger'] ?? '') }, ms / 1000);
      }
    });
  }

  close(): void {
    this.unsubscribe();
  }
}
