/**
 * How long PVE tasks take, per task type (`qmclone:full`, `vzstart`, ...): seeded with typical
 * durations of a PVE 8 host on local SSD storage, then learned from the tasks this client (and,
 * through `TaskHistory`, earlier runs in the state file) waited for. Task polling uses it to
 * poll once near the expected end instead of many times on the way there.
 *
 * A host that is clearly faster or slower than the seeds (a simulator at another speed, a
 * NAS-backed pool) is learned from its longer tasks: types without samples of their own are
 * scaled by the ratio observed so far when it is below 2/3 or above 1.5.
 */

/** Typical durations (ms) on a PVE 8 host with local SSD storage: small disks, cloud images. */
export const SEED_TASK_MS: Readonly<Record<string, number>> = {
  vzcreate: 8000,
  qmcreate: 3000,
  'vzclone:full': 15000,
  'vzclone:linked': 3000,
  'qmclone:full': 20000,
  'qmclone:linked': 3000,
  vzstart: 2000,
  qmstart: 2000,
  vzstop: 1000,
  qmstop: 1000,
  vzshutdown: 3000,
  qmshutdown: 5000,
  vzsnapshot: 2000,
  qmsnapshot: 3000,
  vzdelsnapshot: 1500,
  qmdelsnapshot: 1500,
  vzrollback: 3000,
  qmrollback: 3000,
  vzdestroy: 2000,
  qmdestroy: 2000,
  resize: 1000,
  qmconfig: 500,
  qmtemplate: 2000,
  vztemplate: 2000,
  download: 10000,
  srvreload: 1500,
  imgdel: 1000,
  /** Not a task: from a VM's start until its QEMU guest agent answers. */
  qmagent: 8000,
};

/** Persisted samples (the state file's `task_durations` table). */
export interface TaskHistory {
  load(): Record<string, { samples: number; meanMs: number }>;
  record(type: string, meanMs: number, samples: number): void;
}

/** Weight of a new sample in the running mean: recent runs count more (hosts change). */
const ALPHA = 0.3;

export class TaskTimes {
  private learned: Map<string, { samples: number; meanMs: number }> | undefined;
  /** Observed / seeded, over every sample of this process (1 = as seeded). */
  private ratio = 1;
  private ratioSamples = 0;

  constructor(
    private readonly history?: TaskHistory,
    private readonly seeds: Readonly<Record<string, number>> = SEED_TASK_MS,
  ) {}

  private table(): Map<string, { samples: number; meanMs: number }> {
    if (!this.learned) {
      this.learned = new Map();
      try {
        for (const [type, v] of Object.entries(this.history?.load() ?? {})) {
          if (Number.isFinite(v.meanMs) && v.meanMs >= 0) this.learned.set(type, v);
        }
      } catch {
        // A history that cannot be read only costs some extra polls.
      }
    }
    return this.learned;
  }

  /** The seed of a type, or of its base type (`qmclone` for `qmclone:full`). */
  private seed(type: string): number | undefined {
    return this.seeds[type] ?? this.seeds[type.split(':')[0] ?? type];
  }

  /**
   * True once this host's speed relative to the seeds is known: a task of 2 s or more finished
   * here, or the history has one. Until then a seeded expectation may be far off.
   */
  isCalibrated(): boolean {
    if (this.ratioSamples > 0) return true;
    for (const type of this.table().keys()) if ((this.seed(type) ?? 0) >= 2000) return true;
    return false;
  }

  /** True when this type's duration was learned (here or in the history), not only seeded. */
  isKnown(type: string): boolean {
    return this.table().has(type);
  }

  /** Expected duration in ms; undefined when nothing is known about this type. */
  expectedMs(type: string): number | undefined {
    const own = this.table().get(type);
    if (own) return own.meanMs;
    const seed = this.seed(type);
    if (seed === undefined) return undefined;
    // Scale the seeds only for a host clearly off them (a simulator at another speed, slow
    // storage): near 1 the seeds are the better guess, and an early poll costs a whole second.
    const clearlyOff = this.ratio < 2 / 3 || this.ratio > 1.5;
    return clearlyOff ? seed * this.ratio : seed;
  }

  /** A finished task of `type` took about `ms`. */
  record(type: string, ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    const table = this.table();
    const old = table.get(type);
    const next = old
      ? { samples: old.samples + 1, meanMs: old.meanMs + ALPHA * (ms - old.meanMs) }
      : { samples: 1, meanMs: ms };
    table.set(type, next);
    const seed = this.seed(type);
    // Short tasks are too noisy to tell the host's speed from.
    if (seed !== undefined && seed >= 2000) {
      this.ratioSamples += 1;
      const r = ms / seed;
      this.ratio = this.ratioSamples === 1 ? r : this.ratio + ALPHA * (r - this.ratio);
    }
    try {
      this.history?.record(type, next.meanMs, next.samples);
    } catch {
      // Not persisted: learned again next run.
    }
  }
}

/** Consecutive polls of one task are at least this far apart (one poll per second per task). */
export const MIN_POLL_GAP_MS = 1000;
/** Longest wait between two polls of a task that runs past its expected end. */
export const MAX_POLL_GAP_MS = 5000;

/** A first poll this early checks whether the host is faster than expected. */
export const PROBE_MS = 250;

export interface PollState {
  /** Polls made so far. */
  polls: number;
  /** When the last poll was made (ms since the task started; unused before the first). */
  lastPollMs: number;
  /** Polls made at or after the expected end (all of them, when it is unknown). */
  overduePolls: number;
}

/**
 * When (ms since the task started) to poll a task next, given what is expected of it now
 * (`expectedMs`, undefined when unknown; `known`: learned for this very type, not only seeded).
 * The first poll is at the expected end — after a probe at 250 ms when that end is only seeded
 * and more than a second away (the host may be faster than the seeds); past it, gaps of 1 s
 * growing by half up to 5 s (or a quarter of the expected duration, if smaller). Never two polls
 * of one task within a second, but for that probe. Until the host's speed is known (`calibrated`),
 * a seeded expectation is closed in on with gaps of 1 s growing by half. Callers ask again while they wait: the
 * expectation may change meanwhile (learned from other tasks).
 */
export function nextPollAt(state: PollState, expectedMs: number | undefined, known = false, calibrated = true): number {
  if (state.polls === 0) {
    if (expectedMs === undefined) return PROBE_MS;
    if (!known && expectedMs > MIN_POLL_GAP_MS + PROBE_MS) return PROBE_MS;
    return Math.max(50, expectedMs);
  }
  const earliest = state.lastPollMs + MIN_POLL_GAP_MS;
  if (expectedMs !== undefined && state.lastPollMs < expectedMs) {
    // Seeds on a host of unknown speed: close in on the expected end with growing gaps.
    if (!known && !calibrated) {
      const gap = Math.round(MIN_POLL_GAP_MS * 1.5 ** Math.max(0, state.polls - 1));
      return Math.max(earliest, Math.min(expectedMs, state.lastPollMs + gap));
    }
    return Math.max(earliest, expectedMs);
  }
  const cap = Math.max(MIN_POLL_GAP_MS, Math.min(MAX_POLL_GAP_MS, (expectedMs ?? 4 * MAX_POLL_GAP_MS) / 4));
  return state.lastPollMs + Math.min(cap, Math.round(MIN_POLL_GAP_MS * 1.5 ** Math.max(0, state.overduePolls - 1)));
}
