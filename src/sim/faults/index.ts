/** @module Seeded, replayable fault injection for the simulator (spec §7 item 9). */
export { FaultInjector, type EdgeFault, type RequestScope } from './injector.ts';
export { FaultConfig, FaultRule, parseFaultConfig, loadFaultConfig, globMatches } from './config.ts';
export { createPrng, type Prng } from './prng.ts';
