/**
 * Memory tuning for the long-running daemon (target: <= 120 MB resident while idle).
 *
 * - Young generation: V8 lets it grow to two 16 MiB semi-spaces, right for a CLI run that
 *   allocates in bursts; a daemon idle between polls then keeps ~30 MiB resident for garbage it
 *   no longer produces. `--max-semi-space-size` is only read when the heap is created, but the
 *   growth factor is read each time V8 considers growing, so pinning it at 1 works at run time
 *   (set first thing in `phoenix serve`). Cost: more (cheap) scavenges during an apply.
 * - After a run: nothing allocates until the next poll, so V8 never starts a major GC on its
 *   own and the run's promoted garbage (plans, observed configs, parsed YAML) stays resident
 *   for the whole idle period. One full collection once the queue is empty frees it; with
 *   compaction forced for that one collection, the pages the survivors were scattered over are
 *   given back too (a plain full GC frees the objects but keeps ~25 MB of half-empty pages).
 */
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export function tuneHeapForDaemon(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}

/** Bytes committed to the young generation (both semi-spaces). */
export function youngGenerationBytes(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
}

let collect: (() => void) | undefined;

/** A full, compacting garbage collection, without starting node with `--expose-gc`. */
export function collectGarbage(): void {
  if (!collect) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  setFlagsFromString('--compact-on-every-full-gc');
  try {
    collect();
  } finally {
    setFlagsFromString('--no-compact-on-every-full-gc');
  }
}

/**
 * Calls `collectGarbage` once the daemon has been idle for `quietMs` after a run: `onRunEnd`
 * (re)arms the timer; `isIdle` is checked when it fires, so a burst of webhooks costs nothing.
 */
export function idleCollector(o: { quietMs: number; isIdle(): boolean; collect?: () => void }): {
  onRunEnd(): void;
  close(): void;
} {
  let timer: NodeJS.Timeout | undefined;
  const run = o.collect ?? collectGarbage;
  return {
    onRunEnd() {
      clearTimeout(timer);
      timer = setTimeout(() => {
        timer = undefined;
        if (o.isIdle()) run();
      }, o.quietMs);
      timer.unref();
    },
    close() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
