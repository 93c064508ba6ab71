/**
 * The keys a strict object of the schema allows at a given path, for "did you mean" hints.
 * Walks zod's definitions alongside the raw value, so unions pick the branch the value
 * selects (e.g. `type: lxc` vs `type: vm`).
 */
import type { z } from 'zod';
import type { PathSegment } from './source-map.ts';

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  innerType?: z.ZodType;
  in?: z.ZodType;
  options?: z.ZodType[];
  discriminator?: string;
  valueType?: z.ZodType;
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** Strips wrappers (optional, default, pipe...) and picks the union branch matching `value`. */
function unwrap(schema: z.ZodType, value: unknown): z.ZodType[] {
  const def = defOf(schema);
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
      return def.innerType ? unwrap(def.innerType, value) : [];
    case 'pipe':
      return def.in ? unwrap(def.in, value) : [];
    case 'union': {
      const options = def.options ?? [];
      if (def.discriminator && typeof value === 'object' && value !== null) {
        const wanted = (value as Record<string, unknown>)[def.discriminator];
        const match = options.filter((o) => {
          const shape = defOf(o).shape;
          const literal = shape?.[def.discriminator as string];
          return literal ? (defOf(literal) as unknown as { values?: unknown[] }).values?.includes(wanted) : false;
        });
        if (match.length > 0) return match.flatMap((o) => unwrap(o, value));
      }
      return options.flatMap((o) => unwrap(o, value));
    }
    default:
      return [schema];
  }
}

/** The schemas (union branches resolved by `raw`) at `path`, with the descriptions met on the way to it. */
function schemasAt(
  schema: z.ZodType,
  raw: unknown,
  path: readonly PathSegment[],
): { schemas: z.ZodType[]; description?: string } {
  let current: z.ZodType[] = unwrap(schema, raw);
  let value = raw;
  let description: string | undefined;
  for (const segment of path) {
    value = typeof value === 'object' && value !== null ? (value as Record<PathSegment, unknown>)[segment] : undefined;
    const next: z.ZodType[] = [];
    description = undefined;
    for (const s of current) {
      const def = defOf(s);
      const child =
        def.type === 'object' && typeof segment === 'string'
          ? def.shape?.[segment]
          : def.type === 'array'
            ? def.element
            : def.type === 'record'
              ? def.valueType
              : undefined;
      if (!child) continue;
      description ??= child.description;
      const inner = unwrap(child, value);
      for (const i of inner) description ??= i.description;
      next.push(...inner);
    }
    current = next;
  }
  return { schemas: current, description };
}

export function allowedKeys(schema: z.ZodType, raw: unknown, path: readonly PathSegment[]): string[] {
  const keys = new Set<string>();
  for (const s of schemasAt(schema, raw, path).schemas)
    for (const key of Object.keys(defOf(s).shape ?? {})) keys.add(key);
  return [...keys];
}

/** The schema's description of the field at `path` (used as a hint when no better one exists). */
export function describeField(schema: z.ZodType, raw: unknown, path: readonly PathSegment[]): string | undefined {
  return schemasAt(schema, raw, path).description;
}
