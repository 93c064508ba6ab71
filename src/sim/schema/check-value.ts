/**
 * One value against one schema entry, in the order and with the texts of pve-common's
 * `JSONSchema.pm` `check_prop` (spec §3): type, pattern, maxLength/minLength, minimum/maximum,
 * enum, then the format (named verifier or property string, as `invalid format - ...`).
 * Returns the normalised value: integers/numbers as numbers, booleans as 0/1.
 */
import { checkNamedFormat } from './formats.ts';
import { parsePropertyString, resolvePropertyFormat } from './property-string.ts';
import { compilePerlPattern } from './regex.ts';
import type { ParamSchema } from './types.ts';

export interface CheckedValue {
  value?: unknown;
  error?: string;
}

const INTEGER_RE = /^[+-]?\d+$/;
const NUMBER_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function shown(value: unknown): string {
  if (Array.isArray(value)) return 'ARRAY';
  if (value !== null && typeof value === 'object') return 'HASH';
  return String(value);
}

function checkType(type: ParamSchema['type'], value: unknown): CheckedValue {
  const fail = (): CheckedValue => ({ error: `type check ('${type}') failed - got '${shown(value)}'` });
  switch (type) {
    case 'integer':
      if (typeof value === 'number') return Number.isInteger(value) ? { value } : fail();
      return typeof value === 'string' && INTEGER_RE.test(value) ? { value: Number(value) } : fail();
    case 'number':
      if (typeof value === 'number') return Number.isFinite(value) ? { value } : fail();
      return typeof value === 'string' && NUMBER_RE.test(value) ? { value: Number(value) } : fail();
    case 'boolean':
      // Over HTTP only 0/1 (JSON bodies may also use true/false); `true` as text is rejected.
      if (value === true || value === 1 || value === '1') return { value: 1 };
      if (value === false || value === 0 || value === '0') return { value: 0 };
      return fail();
    case 'array':
      return Array.isArray(value) ? { value } : fail();
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value) ? { value } : fail();
    case 'string':
    case undefined:
      if (typeof value === 'number' || typeof value === 'boolean') return { value: String(value) };
      return typeof value === 'string' ? { value } : fail();
    default:
      return { value };
  }
}

export function checkValue(schema: ParamSchema, input: unknown, path?: string): CheckedValue {
  const typed = checkType(schema.type, input);
  if (typed.error !== undefined) return typed;
  const value = typed.value;
  if (schema.type === 'array') {
    const items = schema.items;
    if (!items) return { value };
    const out: unknown[] = [];
    for (const item of value as unknown[]) {
      const inner = checkValue(items, item, path);
      if (inner.error !== undefined) return inner;
      out.push(inner.value);
    }
    return { value: out };
  }
  const text = typeof value === 'string' ? value : String(value);
  if (schema.pattern !== undefined && !compilePerlPattern(schema.pattern).test(text)) {
    return { error: 'value does not match the regex pattern' };
  }
  if (typeof value === 'string') {
    if (schema.maxLength !== undefined && value.length > schema.maxLength) {
      return { error: `value may only be ${schema.maxLength} characters long` };
    }
    if (schema.minLength !== undefined && value.length < schema.minLength) {
      return { error: `value must be at least ${schema.minLength} characters long` };
    }
  }
  if (typeof value === 'number' || (typeof value === 'string' && NUMBER_RE.test(value))) {
    const n = Number(value);
    if (schema.minimum !== undefined && n < schema.minimum) {
      return { error: `value must have a minimum value of ${schema.minimum}` };
    }
    if (schema.maximum !== undefined && n > schema.maximum) {
      return { error: `value must have a maximum value of ${schema.maximum}` };
    }
  }
  if (schema.enum !== undefined && !schema.enum.includes(text)) {
    return { error: `value '${text}' does not have a value in the enumeration '${schema.enum.join(', ')}'` };
  }
  if (schema.format !== undefined && typeof value === 'string') {
    // Property strings and named formats: both only called at run time, so the import cycle
    // with property-string.ts is harmless.
    const propertyFormat = resolvePropertyFormat(schema.format);
    if (propertyFormat) {
      const parsed = parsePropertyString(propertyFormat, value, { path });
      if (parsed.message !== undefined) return { error: `invalid format - ${parsed.message}` };
    } else if (typeof schema.format === 'string') {
      const error = checkNamedFormat(schema.format, value);
      if (error !== undefined) return { error: `invalid format - ${error}${error.endsWith('\n') ? '' : '\n'}` };
    }
  }
  return { value };
}
