/**
 * `rrddata` of nodes, guests and storages (pve-manager `PVE::RRD::create_rrd_data`): 70 rows
 * per timeframe at the RRA step of pvestatd's databases (60 s base step; hour 1 min, day 30 min,
 * week 3 h, month 12 h, year 1 week), `time` aligned to the step, AVERAGE or MAX. Values are a
 * plausible, deterministic series: a hash of (seed, object, data source, time), so the same
 * request answers the same rows and a later request shares the overlapping ones.
 */
import { SimApiError } from '../contract.ts';

const STEP: Record<string, number> = { hour: 60, day: 1800, week: 10800, month: 43200, year: 604800 };
const ROWS = 70;

/** A value in [0, 1) from the inputs (32-bit FNV-1a, then an avalanche). */
function unit(seed: number, key: string, t: number): number {
  let h = (2166136261 ^ seed) >>> 0;
  const text = `${key}|${t}`;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  return (h >>> 0) / 4294967296;
}

/** A slowly varying level in [0, 1): a daily wave plus noise, per series. */
function level(seed: number, key: string, t: number, cf: string): number {
  const wave = 0.5 + 0.35 * Math.sin((t / 86400) * 2 * Math.PI + unit(seed, key, 0) * 6.28);
  const noise = unit(seed, key, t) * 0.15;
  const base = Math.min(0.99, Math.max(0, wave * 0.85 + noise));
  return cf === 'MAX' ? Math.min(0.999, base * (1.05 + 0.2 * unit(seed, `${key}#max`, t))) : base;
}

export interface RrdSeries {
  /** Identifies the object (`node/pve`, `qemu/100`, `storage/pve/local`). */
  id: string;
  /** Data source → value in [0,1) → the row value. */
  sources: Record<string, (l: number) => number>;
  /** Constant columns (`maxcpu`, `maxmem` ...). */
  constants?: Record<string, number>;
}

export function rrdRows(
  seed: number,
  nowSeconds: number,
  timeframe: unknown,
  cf: unknown,
  series: RrdSeries,
): Record<string, number>[] {
  const step = STEP[String(timeframe)];
  if (step === undefined) throw new SimApiError(400, 'Parameter verification failed.', { timeframe: 'invalid' });
  const mode = cf === 'MAX' ? 'MAX' : 'AVERAGE';
  const last = Math.floor(nowSeconds / step) * step;
  const rows: Record<string, number>[] = [];
  for (let i = ROWS - 1; i >= 0; i--) {
    const time = last - i * step;
    const row: Record<string, number> = { time, ...series.constants };
    for (const [ds, scale] of Object.entries(series.sources)) {
      row[ds] = scale(level(seed, `${series.id}/${ds}`, time, mode));
    }
    rows.push(row);
  }
  return rows;
}

/** Rounds to what rrdtool prints (floating values, bytes as whole numbers look the same). */
export const round = (v: number, digits = 6): number => Math.round(v * 10 ** digits) / 10 ** digits;
