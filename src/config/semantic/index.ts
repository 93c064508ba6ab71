/**
 * Semantic checks: what the schema alone cannot see (references, duplicates, subnets, cycles,
 * capacity). Each check reads the loaded config and reports located diagnostics.
 */
import type { Diagnostic } from '../../errors.ts';
import type { LoadedConfig } from '../index.ts';
import { checkCluster } from './cluster.ts';
import { checkConnection } from './connection.ts';
import { createContext, type CheckContext } from './context.ts';
import { checkCycles } from './cycles.ts';
import { checkDnsNames } from './dns.ts';
import { checkDuplicates } from './duplicates.ts';
import { checkGuestReferences } from './guest-refs.ts';
import { checkInfrastructure } from './infra-refs.ts';
import { checkNetwork } from './network.ts';
import { checkPlatform } from './platform-refs.ts';
import { checkCertificateNames } from './pki-names.ts';
import { checkRouteOptions } from './route-options.ts';

export type SemanticCheck = (ctx: CheckContext) => void;

export const semanticChecks: SemanticCheck[] = [
  checkConnection,
  checkDuplicates,
  checkInfrastructure,
  checkGuestReferences,
  checkNetwork,
  checkCycles,
  checkPlatform,
  checkCertificateNames,
  checkRouteOptions,
  checkDnsNames,
  checkCluster,
];

export function checkSemantics(loaded: LoadedConfig): Diagnostic[] {
  const ctx = createContext(loaded);
  for (const check of semanticChecks) check(ctx);
  return ctx.out;
}
