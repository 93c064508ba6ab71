/**
 * `npm run bench [-- --only name]`: runs the registered benchmarks one after another and writes
 * their figures as JSON to bench/results/latest.json (and prints them).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { benchmarks } from './index.ts';
import type { BenchResult } from './types.ts';

function meetsTarget(result: BenchResult): boolean | undefined {
  if (!result.target) return undefined;
  return result.target.op === '<=' ? result.value <= result.target.value : result.value >= result.target.value;
}

async function runAll(): Promise<void> {
  const onlyIndex = process.argv.indexOf('--only');
  const only = onlyIndex >= 0 ? process.argv[onlyIndex + 1] : undefined;
  const results: (BenchResult & { benchmark: string; met?: boolean })[] = [];
  for (const [name, load] of Object.entries(benchmarks)) {
    if (only && name !== only) continue;
    const bench = await load();
    process.stderr.write(`bench ${name} ...\n`);
    for (const result of await bench.run()) {
      const met = meetsTarget(result);
      results.push({ benchmark: name, ...result, met });
      const goal = result.target
        ? ` (target ${result.target.op} ${result.target.value}: ${met ? 'met' : 'MISSED'})`
        : '';
      process.stderr.write(`  ${result.name}: ${result.value} ${result.unit}${goal}\n`);
    }
  }
  const report = { date: new Date().toISOString(), node: process.version, results };
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/latest.json', import.meta.url), JSON.stringify(report, null, 2) + '\n');
  process.stdout.write(JSON.stringify(report, null, 2) + '\n');
}

await runAll();
