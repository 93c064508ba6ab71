/**
 * CLI start-up time: `node bin/phoenix.js --version` (the compiled CLI in dist/, built by
 * `npm run bench`), median of 15 runs after one warm-up, next to a bare `node -e ''`. Target ≤ 200 ms.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Benchmark, BenchResult } from './types.ts';

function time(args: string[]): number {
  const started = performance.now();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 10_000 });
  const ms = performance.now() - started;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${r.stderr}`);
  return ms;
}

function median(args: string[], runs: number): { median: number; min: number; max: number } {
  time(args);
  const all = Array.from({ length: runs }, () => time(args)).sort((a, b) => a - b);
  return { median: all[Math.floor(all.length / 2)] ?? 0, min: all[0] ?? 0, max: all[all.length - 1] ?? 0 };
}

export const benchmark: Benchmark = {
  name: 'startup',
  async run(): Promise<BenchResult[]> {
    if (!existsSync('dist/cli/main.js')) throw new Error('dist/ is missing: run `npm run build` first');
    const phoenix = median(['bin/phoenix.js', '--version'], 15);
    // Bare Node start-up on the same machine at the same moment: on a loaded machine most of the
    // figure is Node itself, so the overhead is reported too.
    const bare = median(['-e', ''], 15);
    return [
      {
        name: 'cli-version-startup.median',
        value: Math.round(phoenix.median),
        unit: 'ms',
        target: { op: '<=', value: 200 },
        details: {
          min: Math.round(phoenix.min),
          max: Math.round(phoenix.max),
          runs: 15,
          bareNodeMedianMs: Math.round(bare.median),
        },
      },
      {
        name: 'cli-version-startup.overhead-over-bare-node',
        value: Math.round(phoenix.median - bare.median),
        unit: 'ms',
      },
    ];
  },
};
