/** `phoenix sim`: the standalone simulator and its coverage report, reached through app/ so the CLI stays above it. */
export { runStandalone, type SimCliFlags } from '../sim/standalone.ts';
export { formatCoverage, simCoverage } from '../sim/coverage.ts';
