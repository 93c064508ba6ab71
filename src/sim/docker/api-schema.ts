/**
 * Checks the simulated Docker Engine's answers (and the requests it is sent) against the
 * Engine API's own description, ../shared/schemas/docker-engine-api-v1.41.yaml (Swagger 2.0):
 * the operation is found by method and path template, the request body against the operation's
 * `body` parameter, the response against the schema of its status code. Objects are checked
 * closed (no property the document does not describe), so a simulator-only field is caught;
 * `x-nullable` allows null as the daemon sends it. Used by the contract suite, so the
 * simulator's shapes are the document's, not Phoenix's assumptions.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import type { ValidateFunction } from 'ajv';
import { parse } from 'yaml';

type Schema = Record<string, unknown>;

interface Operation {
  method: string;
  template: string;
  pattern: RegExp;
  body?: () => ValidateFunction;
  responses: Map<string, (() => ValidateFunction) | null>;
}

/** Compiled on first use: the document has hundreds of operations, a run uses a dozen. */
function once(make: () => ValidateFunction): () => ValidateFunction {
  let compiled: ValidateFunction | undefined;
  return () => (compiled ??= make());
}

export const DOCKER_API_DOC = join(import.meta.dirname, '../../../../shared/schemas/docker-engine-api-v1.41.yaml');

/**
 * Swagger 2.0 → JSON Schema (2019-09) as ajv reads it: nullable, local $refs, and objects
 * closed — `additionalProperties: false` where a schema lists its properties. A definition
 * another schema extends through `allOf` is inlined there open, and the extension is closed
 * with `unevaluatedProperties` (the definition itself stays closed where it is used alone).
 */
function convert(node: unknown, defs: Schema, close = true): unknown {
  if (Array.isArray(node)) return node.map((n) => convert(n, defs));
  if (node === null || typeof node !== 'object') return node;
  const out: Schema = {};
  for (const [key, value] of Object.entries(node as Schema)) {
    if (key === 'example' || key === 'x-go-name' || key === 'x-omitempty' || key === 'discriminator') continue;
    if (key === '$ref' && typeof value === 'string') {
      out.$ref = value.replace('#/definitions/', '#/$defs/');
      continue;
    }
    if ((key === 'properties' || key === '$defs') && value && typeof value === 'object') {
      out[key] = Object.fromEntries(Object.entries(value as Schema).map(([name, sub]) => [name, convert(sub, defs)]));
      continue;
    }
    if (key === 'allOf' && Array.isArray(value)) {
      out.allOf = value.map((member: Schema) => {
        const ref = typeof member.$ref === 'string' ? member.$ref.replace('#/definitions/', '') : undefined;
        return convert(ref && defs[ref] ? defs[ref] : member, defs, false);
      });
      continue;
    }
    out[key] = convert(value, defs);
  }
  if (close && out.allOf !== undefined && out.unevaluatedProperties === undefined) out.unevaluatedProperties = false;
  else if (close && out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  if (out['x-nullable'] === true) {
    delete out['x-nullable'];
    return { anyOf: [out, { type: 'null' }] };
  }
  delete out['x-nullable'];
  return out;
}

export interface ApiViolation {
  operation: string;
  where: 'request' | 'response';
  errors: string[];
}

export interface DockerApiSchema {
  /** Problems of one exchange; empty when it conforms. An unknown operation is one too. */
  check(method: string, path: string, status: number, request: unknown, response: unknown): ApiViolation[];
}

export function loadDockerApiSchema(path = DOCKER_API_DOC): DockerApiSchema {
  const doc = parse(readFileSync(path, 'utf8')) as {
    definitions: Schema;
    paths: Record<string, Record<string, { parameters?: Schema[]; responses?: Record<string, { schema?: Schema }> }>>;
  };
  const ajv = new Ajv2019({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema({ $id: 'docker', ...(convert({ $defs: doc.definitions }, doc.definitions, false) as Schema) });
  const compile = (schema: Schema): ValidateFunction => {
    const converted = convert(schema, doc.definitions) as Schema;
    return ajv.compile({ $id: undefined, ...rewriteRefs(converted) });
  };
  const operations: Operation[] = [];
  for (const [template, methods] of Object.entries(doc.paths)) {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    for (const [method, op] of Object.entries(methods)) {
      if (method === 'parameters') continue;
      const bodyParam = op.parameters?.find((p) => p.in === 'body') as { schema?: Schema } | undefined;
      const responses = new Map<string, (() => ValidateFunction) | null>();
      for (const [code, r] of Object.entries(op.responses ?? {}))
        responses.set(code, r.schema ? once(() => compile(r.schema!)) : null);
      operations.push({
        method: method.toUpperCase(),
        template,
        pattern,
        ...(bodyParam?.schema ? { body: once(() => compile(bodyParam.schema!)) } : {}),
        responses,
      });
    }
  }
  const messages = (v: ValidateFunction): string[] =>
    (v.errors ?? [])
      .filter((e) => e.keyword !== 'anyOf')
      .slice(0, 5)
      .map((e) => {
        const extra = (e.params as { additionalProperty?: string }).additionalProperty;
        return `${e.instancePath || '/'} ${e.message ?? ''}${extra ? `: ${extra}` : ''}`;
      });
  return {
    check(method, path, status, request, response) {
      // Templates without parameters first: `/services/create` is not `/services/{id}`.
      const candidates = operations.filter((o) => o.method === method && o.pattern.test(path));
      const op = candidates.sort((a, b) => a.template.split('{').length - b.template.split('{').length)[0];
      if (!op) return [{ operation: `${method} ${path}`, where: 'request', errors: ['not an operation of the API'] }];
      const name = `${method} ${op.template}`;
      const out: ApiViolation[] = [];
      const body = op.body?.();
      if (body && request !== undefined && !body(request))
        out.push({ operation: name, where: 'request', errors: messages(body) });
      const known = op.responses.get(String(status));
      const validate = known?.();
      if (known === undefined)
        out.push({ operation: name, where: 'response', errors: [`status ${status} is not documented`] });
      else if (validate && !validate(response))
        out.push({ operation: name, where: 'response', errors: messages(validate) });
      return out;
    },
  };
}

/** `#/$defs/X` inside a compiled operation schema points into the shared `docker` schema. */
function rewriteRefs(node: Schema): Schema {
  return JSON.parse(JSON.stringify(node).replaceAll('"#/$defs/', '"docker#/$defs/')) as Schema;
}
