/** One measured figure. `target` states the goal so the JSON result is self-describing. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  target?: { op: '<=' | '>='; value: number };
  details?: Record<string, unknown>;
}

export interface Benchmark {
  name: string;
  run(): Promise<BenchResult[]>;
}
