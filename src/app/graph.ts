/**
 * `phoenix graph`: the resources and edges of every provider in the registry, derived exactly
 * as plan and apply derive them (same settings, same typed references), without contacting
 * anything. Edges are `[dependent, dependency]`.
 */
import { resolve } from 'node:path';
import { loadConfig } from '../config/index.ts';
import { buildFirstApplyGraph, nodeStep, type DependencyGraph, type PlanDiagnostic } from '../engine/index.ts';
import type { Diagnostic } from '../errors.ts';
import type { Provider } from '../providers/provider.ts';
import { providerSettings, type EndpointOverride } from './create-phoenix.ts';
import { environmentIdentity } from './environment-id.ts';
import { configFragments, deriveEnvironment, PROVIDERS, providerOf } from './providers.ts';

export interface EnvironmentGraph {
  graph: DependencyGraph;
  /** A readable label per address (a guest's `101 nginx-gateway`). */
  label(address: string): string;
  diagnostics: PlanDiagnostic[];
  warnings: Diagnostic[];
}

export async function environmentGraph(
  configDir: string,
  options: { providers?: readonly Provider[]; endpoint?: EndpointOverride } = {},
): Promise<EnvironmentGraph> {
  const providers = options.providers ?? PROVIDERS;
  const loaded = await loadConfig(configDir, { fragments: configFragments(providers) });
  // The same identity plan and apply derive with: resources that depend on it (an environment's
  // claims) are in the graph exactly when apply walks them.
  loaded.config.environment = environmentIdentity(resolve(configDir), loaded.config.environment).id;
  const derived = await deriveEnvironment(providers, providerSettings(loaded, options.endpoint));
  // What the first apply walks: a guest's start is a node of its own (engine phases).
  const { graph, diagnostics } = buildFirstApplyGraph({ resources: derived.resources });
  const labels = new Map<string, string>();
  for (const r of derived.resources) {
    const d = providerOf(providers, r.kind)?.statusDetails?.(r, undefined) ?? {};
    if (d.id && d.name) labels.set(r.address, `${d.id} ${d.name}`);
  }
  return {
    graph,
    label: (a) => {
      const { address, step } = nodeStep(a);
      const name = labels.get(address);
      if (step === 'start') return `${name ?? address} (start)`;
      return name ?? a;
    },
    diagnostics,
    warnings: [...loaded.warnings, ...derived.warnings],
  };
}
