/**
 * Request-parameter validation for every endpoint of the committed schema table, following
 * pve-common's `RESTHandler` legacy normalisation and `JSONSchema::validate` (spec §1, §3):
 * unknown parameters, missing required ones, `requires`, types (booleans only 0/1), patterns,
 * lengths, ranges, enums, named formats and property strings. Indexed schema keys (`net[n]`)
 * accept the numbered names PVE expands them to (`net0`..`net31`).
 */
import { checkValue } from './check-value.ts';
import { getEndpoint } from './table.ts';
import type { ParamSchema } from './types.ts';

export interface ValidationResult {
  /** Normalised parameters: ints/numbers as numbers, booleans as 0/1, arrays for array params. */
  params: Record<string, unknown>;
  /** `param → message`, empty when valid (the body of a 400 `Parameter verification failed.`). */
  errors: Record<string, string>;
}

/** How many numbered instances PVE defines for each indexed key (`scsi[n]` → scsi0..scsi30). */
export const INDEXED_COUNTS: Record<string, number> = {
  net: 32,
  ipconfig: 32,
  scsi: 31,
  ide: 4,
  sata: 6,
  virtio: 16,
  mp: 256,
  unused: 256,
  dev: 256,
  hostpci: 16,
  usb: 14,
  serial: 4,
  parallel: 3,
  numa: 8,
  virtiofs: 10,
  link: 8,
  acmedomain: 5,
};

/** The schema entry for a parameter name, resolving `net7` to `net[n]`. */
export function findParamSchema(properties: Record<string, ParamSchema>, name: string): ParamSchema | undefined {
  const direct = properties[name];
  if (direct) return direct;
  const m = /^([a-z]+)(\d+)$/.exec(name);
  if (!m) return undefined;
  const base = m[1] as string;
  const index = Number(m[2]);
  const indexed = properties[`${base}[n]`];
  if (!indexed || String(index) !== m[2]) return undefined;
  return index < (INDEXED_COUNTS[base] ?? 256) ? indexed : undefined;
}

const NOT_IN_SCHEMA = 'property is not defined in schema and the schema does not allow additional properties';

export function validateParams(method: string, route: string, input: Record<string, unknown>): ValidationResult {
  const endpoint = getEndpoint(method, route);
  if (!endpoint) throw new Error(`no schema for ${method} ${route}`);
  const { properties, additionalProperties } = endpoint.parameters;
  const params: Record<string, unknown> = {};
  const errors: Record<string, string> = {};

  for (const [name, given] of Object.entries(input)) {
    if (given === undefined || given === null) continue;
    const schema = findParamSchema(properties, name);
    if (!schema) {
      if (additionalProperties) params[name] = given;
      else errors[name] = NOT_IN_SCHEMA;
      continue;
    }
    let value = given;
    // Legacy normalisation: one value for an array param is wrapped; an array for a `*-list`
    // string format is joined with commas.
    if (schema.type === 'array' && !Array.isArray(value)) value = [value];
    if (schema.type === 'string' && Array.isArray(value) && String(schema.format ?? '').endsWith('-list')) {
      value = value.join(',');
    }
    const checked = checkValue(schema, value, name);
    if (checked.error !== undefined) errors[name] = checked.error;
    else params[name] = checked.value;
  }

  for (const [name, schema] of Object.entries(properties)) {
    if (name.endsWith('[n]')) continue;
    const present = input[name] !== undefined && input[name] !== null;
    if (!present && !schema.optional && errors[name] === undefined) {
      errors[name] = 'property is missing and it is not optional';
    }
    if (present && schema.requires !== undefined) {
      const other = input[schema.requires];
      if ((other === undefined || other === null) && errors[schema.requires] === undefined) {
        errors[schema.requires] = `missing property - '${name}' requires this property`;
      }
    }
  }
  return { params, errors };
}
