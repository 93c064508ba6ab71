/** `phoenix sim`: the standalone simulator, reached through app/ so the CLI stays above it. */
export { runStandalone, type SimCliFlags } from '../sim/standalone.ts';
