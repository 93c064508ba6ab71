import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Shared contract suites are run by the suites that import them, never on their own.
    exclude: ['**/*.case.test.ts', 'node_modules/**', 'dist/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // examples/homelab's CA password reference: every `phoenix up` of the example sets up its CA.
    env: { PHOENIX_CA_PASSWORD: 'test-ca-password' },
  },
});
