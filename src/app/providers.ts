/**
 * The registry seen from app/: derive every provider's resources, build their handlers,
 * compose their config fragments, and find declared sections no provider manages. Every
 * command goes through these, so a provider added to the registry is covered by all of them.
 */
import type { ConfigFragments } from '../config/index.ts';
import type { PhoenixConfig } from '../config/schema.ts';
import { handlerRegistry, type AnyResourceHandler, type HandlerRegistry, type Resource } from '../engine/handler.ts';
import type { PlanDiagnostic } from '../engine/index.ts';
import { ConfigError, type Diagnostic } from '../errors.ts';
import type { Provider, ProviderRuntime, ProviderSettings } from '../providers/provider.ts';
import { PROVIDERS } from '../providers/registry.ts';

export { PROVIDERS };

/**
 * Sections of the config that belong to the environment itself, not to one provider: the
 * endpoint, the environment's identity (ownership markers) and `phoenix serve`'s settings.
 */
const CORE_SECTIONS = ['version', 'proxmox', 'cluster', 'environment', 'gitops'];

export function configFragments(providers: readonly Provider[] = PROVIDERS): ConfigFragments {
  const out: Record<string, ConfigFragments[string]> = {};
  for (const p of providers) {
    for (const [key, schema] of Object.entries(p.configFragment ?? {})) {
      if (out[key]) throw new Error(`config section ${key} is contributed by two providers`);
      out[key] = schema;
    }
  }
  return out;
}

export interface DerivedEnvironment {
  resources: Resource[];
  /** Warnings of derivation (errors throw a ConfigError). */
  warnings: Diagnostic[];
}

/** Every provider's desired resources; derivation errors of any provider stop the command. */
export async function deriveEnvironment(
  providers: readonly Provider[],
  settings: ProviderSettings,
): Promise<DerivedEnvironment> {
  const resources: Resource[] = [];
  const errors: Diagnostic[] = [];
  const warnings: Diagnostic[] = [];
  for (const provider of providers) {
    for (const d of provider.check?.(settings.config) ?? []) (d.severity === 'error' ? errors : warnings).push(d);
    let derived;
    try {
      derived = await provider.derive(settings);
    } catch (error) {
      if (error instanceof ConfigError) {
        errors.push(...error.diagnostics);
        continue;
      }
      throw error;
    }
    resources.push(...derived.resources);
    for (const d of derived.diagnostics ?? []) (d.severity === 'error' ? errors : warnings).push(d);
  }
  if (errors.length > 0) throw new ConfigError(errors);
  return { resources, warnings };
}

export type KindRegistry = HandlerRegistry & { kinds(): string[] };

/** The handlers of every provider; a provider whose handler set does not match its `kinds` is a programming error. */
export async function buildRegistry(providers: readonly Provider[], runtime: ProviderRuntime): Promise<KindRegistry> {
  const handlers: AnyResourceHandler[] = [];
  for (const provider of providers) {
    const built = await provider.handlers(runtime);
    const kinds = built.map((h) => h.kind).sort();
    const declared = [...provider.kinds].sort();
    if (kinds.join() !== declared.join())
      throw new Error(`provider ${provider.name} declares kinds [${declared}] but builds handlers for [${kinds}]`);
    handlers.push(...built);
  }
  return handlerRegistry(handlers);
}

/** The provider that owns a kind. */
export function providerOf(providers: readonly Provider[], kind: string): Provider | undefined {
  return providers.find((p) => p.kinds.includes(kind));
}

function declaredValue(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.values(value).some(declaredValue);
  return true;
}

/**
 * Declared config sections (or parts, `platform.stepCa`) that no registered provider manages:
 * named in plan/apply/up output as "declared, not managed by this version" instead of being
 * silently ignored. Empty sections (what defaults give) are not declarations.
 */
export function unmanagedSections(providers: readonly Provider[], config: PhoenixConfig): string[] {
  const raw = config as unknown as Record<string, unknown>;
  const claimed = new Set([...CORE_SECTIONS, ...providers.flatMap((p) => p.sections)]);
  const out: string[] = [];
  for (const [key, value] of Object.entries(raw)) {
    if (claimed.has(key) || !declaredValue(value)) continue;
    const parts =
      value !== null && typeof value === 'object' && !Array.isArray(value)
        ? Object.entries(value as Record<string, unknown>).filter(([, v]) => declaredValue(v))
        : [];
    const partial = [...claimed].some((c) => c.startsWith(`${key}.`));
    if (partial && parts.length > 0) {
      for (const [sub] of parts) if (!claimed.has(`${key}.${sub}`)) out.push(`${key}.${sub}`);
    } else out.push(key);
  }
  return out.sort();
}

/** One warning naming the declared sections nothing manages (plan human view, --json, apply, up). */
export function notManagedDiagnostics(sections: readonly string[]): PlanDiagnostic[] {
  if (sections.length === 0) return [];
  return [
    {
      severity: 'warning',
      code: 'W_NOT_MANAGED',
      message: `declared, not managed by this version: ${sections.join(', ')} (nothing is planned for ${sections.length === 1 ? 'it' : 'them'})`,
      hint: 'these sections are validated and kept; they take effect once a Phoenix version manages them',
    },
  ];
}
