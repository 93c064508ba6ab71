/**
 * The benchmark registry: add a benchmark by writing `bench/<name>.bench.ts` (exporting a
 * `Benchmark`) and one entry here. Loaded lazily so `--only` runs just one.
 */
import type { Benchmark } from './types.ts';

export const benchmarks: Record<string, () => Promise<Benchmark>> = {
  'node-shell': async () => (await import('./node-shell.bench.ts')).benchmark,
  validate: async () => (await import('./validate.bench.ts')).benchmark,
  'sim-model': async () => (await import('./sim-model.bench.ts')).benchmark,
  sim: async () => (await import('./sim.bench.ts')).benchmark,
  plan: async () => (await import('./plan.bench.ts')).benchmark,
  converge: async () => (await import('./converge.bench.ts')).benchmark,
  reference: async () => (await import('./reference.bench.ts')).benchmark,
  startup: async () => (await import('./startup.bench.ts')).benchmark,
  gateway: async () => (await import('./gateway.bench.ts')).benchmark,
  pki: async () => (await import('./pki.bench.ts')).benchmark,
  daemon: async () => (await import('./daemon.bench.ts')).benchmark,
  stacks: async () => (await import('./stacks.bench.ts')).benchmark,
  cluster: async () => (await import('./cluster.bench.ts')).benchmark,
};
