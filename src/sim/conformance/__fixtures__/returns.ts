/**
 * Test helper: checks an answer's `data` against the `returns` schema of the official PVE 8.4
 * API description (../shared/pve/apidata-pve8.4.json; tests may read ../shared, the product
 * never does). PVE's schema dialect becomes JSON Schema for ajv: `optional: 1` marks what is
 * not required, booleans may be 0/1 (what PVE sends), objects accept keys the schema does not
 * list unless it says `additionalProperties: 0`.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';

interface PveSchema {
  type?: string | string[];
  properties?: Record<string, PveSchema>;
  items?: PveSchema;
  optional?: number;
  enum?: unknown[];
  additionalProperties?: number | boolean | PveSchema;
  minimum?: number;
  maximum?: number;
}

interface ApiNode {
  path: string;
  info?: Record<string, { returns?: PveSchema }>;
  children?: ApiNode[];
}

let returnsByRoute: Map<string, PveSchema | undefined> | undefined;

function loadReturns(): Map<string, PveSchema | undefined> {
  if (returnsByRoute) return returnsByRoute;
  const tree = JSON.parse(
    readFileSync(new URL('../../../../../shared/pve/apidata-pve8.4.json', import.meta.url), 'utf8'),
  ) as ApiNode[];
  const map = new Map<string, PveSchema | undefined>();
  const walk = (nodes: ApiNode[]): void => {
    for (const n of nodes) {
      for (const [method, info] of Object.entries(n.info ?? {})) map.set(`${method} ${n.path}`, info.returns);
      walk(n.children ?? []);
    }
  };
  walk(tree);
  returnsByRoute = map;
  return map;
}

function toJsonSchema(s: PveSchema | undefined): Record<string, unknown> {
  if (!s) return {};
  const out: Record<string, unknown> = {};
  const type = s.type;
  if (type === 'boolean') out.anyOf = [{ type: 'boolean' }, { enum: [0, 1] }];
  else if (type === 'integer' || type === 'number') out.type = type === 'integer' ? 'integer' : 'number';
  else if (type === 'string') out.type = 'string';
  else if (type === 'null') out.type = 'null';
  else if (type === 'array') {
    out.type = 'array';
    if (s.items) out.items = toJsonSchema(s.items);
  } else if (type === 'object' || s.properties) {
    out.type = 'object';
    const props: Record<string, unknown> = {};
    const required: string[] = [];
    for (const [k, v] of Object.entries(s.properties ?? {})) {
      props[k] = toJsonSchema(v);
      if (v.optional !== 1) required.push(k);
    }
    out.properties = props;
    if (required.length > 0) out.required = required;
    if (s.additionalProperties === 0 || s.additionalProperties === false) out.additionalProperties = false;
  }
  if (s.enum && type !== 'boolean') out.enum = s.enum;
  if (typeof s.minimum === 'number' && (type === 'integer' || type === 'number')) out.minimum = s.minimum;
  if (typeof s.maximum === 'number' && (type === 'integer' || type === 'number')) out.maximum = s.maximum;
  return out;
}

const ajv = new Ajv({ allErrors: true, strict: false });
const compiled = new Map<string, ValidateFunction>();

/** The schema's errors for `data` as the answer of `method route` ([] = valid). */
export function returnsErrors(method: string, route: string, data: unknown): string[] {
  const key = `${method} ${route}`;
  let validate = compiled.get(key);
  if (!validate) {
    const returns = loadReturns();
    if (!returns.has(key)) return [`${key} is not in the PVE 8.4 schema`];
    validate = ajv.compile(toJsonSchema(returns.get(key)));
    compiled.set(key, validate);
  }
  if (validate(data)) return [];
  return (validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}

/** Every `METHOD /route` of the schema. */
export function schemaOperations(): string[] {
  return [...loadReturns().keys()];
}
