/**
 * Semantic checks: what the schema alone cannot see (references, duplicates, subnets, cycles,
 * capacity). Each check is a pure function of the loaded config returning diagnostics.
 */
import type { Diagnostic } from '../../errors.ts';
import type { LoadedConfig } from '../index.ts';

export type SemanticCheck = (loaded: LoadedConfig) => Diagnostic[];

export const semanticChecks: SemanticCheck[] = [];

export function checkSemantics(loaded: LoadedConfig): Diagnostic[] {
  return semanticChecks.flatMap((check) => check(loaded));
}
