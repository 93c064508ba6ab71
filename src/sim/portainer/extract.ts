/**
 * The part of Portainer's official OpenAPI document the simulator serves, extracted verbatim:
 * the operations Phoenix calls (and the simulator answers) with every component schema they
 * reference, plus the list of every operation the whole document has (so a request to another
 * documented operation is "not simulated", and one to an undocumented path is "no such
 * operation"). The product reads only the committed extraction (generated/portainer-api.ts);
 * `extract.test.ts` regenerates it from ../shared/schemas/portainer-api.yaml and compares.
 */
import { createHash } from 'node:crypto';
import { parse } from 'yaml';

/** The paths the simulator serves (all their methods are kept). */
export const SIMULATED_PATHS = [
  '/auth',
  '/endpoints',
  '/endpoints/{id}',
  '/status',
  '/system/status',
  '/users/admin/check',
  '/users/admin/init',
  '/users/{id}/tokens',
  '/users/{id}/tokens/{keyID}',
] as const;

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

export interface PortainerApiExtract {
  /** sha256 of the document it was extracted from. */
  sha256: string;
  version: string;
  /** Every operation of the whole document, `METHOD /path`. */
  operations: string[];
  /** A valid OpenAPI document: the simulated paths and the components they reference. */
  document: Record<string, unknown>;
}

export function extractPortainerApi(yamlText: string): PortainerApiExtract {
  const doc = parse(yamlText) as {
    openapi: string;
    info: { title?: string; version: string };
    servers?: unknown[];
    paths: Record<string, Record<string, unknown>>;
    components: Record<string, Record<string, unknown>>;
  };
  const operations = Object.entries(doc.paths)
    .flatMap(([path, item]) => METHODS.filter((m) => m in item).map((m) => `${m.toUpperCase()} ${path}`))
    .sort();
  const paths = Object.fromEntries(SIMULATED_PATHS.map((p) => [p, doc.paths[p]]));
  // Every component reachable from the kept paths (schemas, request bodies, ...), transitively.
  const kept = new Map<string, Map<string, unknown>>();
  const todo: unknown[] = [paths];
  while (todo.length > 0) {
    const value = todo.pop();
    if (!value || typeof value !== 'object') continue;
    for (const [key, inner] of Object.entries(value)) {
      const ref = key === '$ref' && typeof inner === 'string' ? /^#\/components\/([^/]+)\/(.+)$/.exec(inner) : null;
      if (ref) {
        const [, section, name] = ref as unknown as [string, string, string];
        const bucket = kept.get(section) ?? new Map<string, unknown>();
        kept.set(section, bucket);
        if (!bucket.has(name)) {
          const target = doc.components[section]?.[name];
          if (target === undefined) throw new Error(`the document has no component ${inner}`);
          bucket.set(name, target);
          todo.push(target);
        }
      } else todo.push(inner);
    }
  }
  const components: Record<string, unknown> = {};
  for (const section of [...kept.keys()].sort())
    components[section] = Object.fromEntries([...kept.get(section)!.entries()].sort(([a], [b]) => a.localeCompare(b)));
  if (doc.components.securitySchemes) components.securitySchemes = doc.components.securitySchemes;
  return {
    sha256: createHash('sha256').update(yamlText).digest('hex'),
    version: doc.info.version,
    operations,
    document: {
      openapi: doc.openapi,
      info: doc.info,
      servers: doc.servers ?? [{ url: '/api' }],
      paths,
      components,
    },
  };
}
