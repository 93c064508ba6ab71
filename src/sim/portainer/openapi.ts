/**
 * The simulated Portainer's gatekeeper: every request is checked against the official OpenAPI
 * document (../shared/schemas/portainer-api.yaml; the product carries the extraction of the
 * operations it simulates, generated/portainer-api.ts) with openapi-backend (ajv underneath) before
 * the simulator acts on it — path, method, parameters, body schema, and the media type the
 * operation declares (a JSON body where the document says multipart/form-data is refused).
 * Multipart fields arrive as text; they are read as the number/boolean the schema declares,
 * as Portainer's own form decoder does, and anything else stays text (and fails the schema).
 */
import { readFileSync } from 'node:fs';
import { OpenAPIBackend, type Operation } from 'openapi-backend';
import { parse } from 'yaml';
import { PORTAINER_API } from './generated/portainer-api.ts';

export interface CheckedRequest {
  method: string;
  /** Full path, `/api/...`, without the query. */
  path: string;
  query: Record<string, string | string[]>;
  headers: Record<string, string | string[] | undefined>;
  /** Media type of the body without parameters, e.g. `multipart/form-data`; undefined without a body. */
  mediaType?: string;
  /** JSON value, or the multipart fields (files as their text). */
  body?: unknown;
}

export interface CheckResult {
  operation?: Operation;
  /** The document has the operation, the simulator does not serve it. */
  documentedOnly?: boolean;
  problems: string[];
}

type Schema = { type?: string; properties?: Record<string, Schema>; items?: Schema };

export interface PortainerSpec {
  check(req: CheckedRequest): CheckResult;
}

const cache = new Map<string, Promise<PortainerSpec>>();

/**
 * Prepares the document once: the committed extraction by default, or a whole document (YAML)
 * at `path` — the test that checks the extraction gives the same verdicts uses that.
 */
export function loadPortainerSpec(path?: string): Promise<PortainerSpec> {
  const key = path ?? '';
  let spec = cache.get(key);
  if (!spec) {
    spec = build(path ? (parse(readFileSync(path, 'utf8')) as Record<string, unknown>) : PORTAINER_API.document);
    cache.set(key, spec);
    spec.catch(() => cache.delete(key));
  }
  return spec;
}

function coerce(value: unknown, schema: Schema | undefined): unknown {
  if (typeof value !== 'string' || !schema) return value;
  if ((schema.type === 'integer' || schema.type === 'number') && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (schema.type === 'boolean' && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

async function build(document: Record<string, unknown>): Promise<PortainerSpec> {
  const apiRoot = (document.servers as { url: string }[] | undefined)?.[0]?.url ?? '/api';
  // quick: the published document carries a duplicate enum value in an unrelated schema that
  // the document-level meta-validation refuses; request validation (ajv per operation) is unaffected.
  const api = new OpenAPIBackend({ definition: document as never, apiRoot, quick: true, validate: true });
  await api.init();
  const documented = PORTAINER_API.operations.map((op) => {
    const [method, path] = op.split(' ') as [string, string];
    const pattern = path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+');
    return { method, re: new RegExp(`^${apiRoot}${pattern}$`) };
  });
  return {
    check(req) {
      const operation = api.router.matchOperation({
        method: req.method.toLowerCase(),
        path: req.path,
        headers: {},
      }) as Operation | undefined;
      if (!operation) {
        if (documented.some((d) => d.method === req.method.toUpperCase() && d.re.test(req.path)))
          return { documentedOnly: true, problems: [] };
        return { problems: [`${req.method} ${req.path}: no such operation in the OpenAPI document`] };
      }
      const problems: string[] = [];
      const content = (operation.requestBody as { content?: Record<string, { schema?: Schema }>; required?: boolean })
        ?.content;
      let body = req.body;
      if (req.mediaType !== undefined) {
        const declared = Object.keys(content ?? {});
        if (!content) problems.push(`${operation.operationId}: the operation takes no request body`);
        else if (!declared.includes(req.mediaType))
          problems.push(
            `${operation.operationId}: body is ${req.mediaType}; the document allows ${declared.join(', ')}`,
          );
        else if (req.mediaType === 'multipart/form-data' && body && typeof body === 'object') {
          const props = content[req.mediaType]?.schema?.properties ?? {};
          body = Object.fromEntries(Object.entries(body).map(([k, v]) => [k, coerce(v, props[k])]));
        }
      }
      const query: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(req.query)) {
        const param = (operation.parameters as { in: string; name: string; schema?: Schema }[] | undefined)?.find(
          (p) => p.in === 'query' && p.name === name,
        );
        query[name] = Array.isArray(value)
          ? value.map((v) => coerce(v, param?.schema?.items))
          : coerce(value, param?.schema);
      }
      const result = api.validateRequest(
        {
          method: req.method.toLowerCase(),
          path: req.path,
          query: query as never,
          headers: Object.fromEntries(
            Object.entries(req.headers).filter((e): e is [string, string | string[]] => e[1] !== undefined),
          ),
          body,
        },
        operation.operationId,
      );
      for (const e of result.errors ?? [])
        problems.push(`${operation.operationId}: ${e.instancePath || '/'} ${e.message ?? 'invalid'}`);
      return { operation, problems };
    },
  };
}
