import { defineConfig } from 'vitest/config';
import { SkippedTestsReporter } from './test/reporters/skipped-tests.ts';

// Two projects: `unit` (src/**, fast, no process spawns beyond real-peer tests) and `e2e`
// (test/**: the CLI, the HTTP simulator, whole environments). `npm test` runs both;
// `npm run test:unit` / `npm run test:e2e` run one.
export default defineConfig({
  test: {
    // Shared contract suites are run by the suites that import them, never on their own.
    exclude: ['**/*.case.test.ts', 'node_modules/**', 'dist/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // examples/homelab's CA password reference: every `phoenix up` of the example sets up its CA.
    env: { PHOENIX_CA_PASSWORD: 'test-ca-password' },
    reporters: ['default', new SkippedTestsReporter()],
    projects: [
      { extends: true, test: { name: 'unit', include: ['src/**/*.test.ts'] } },
      { extends: true, test: { name: 'e2e', include: ['test/**/*.test.ts'] } },
    ],
  },
});
