/**
 * PVE property strings (`name=eth0,bridge=vmbr0,ip=dhcp`): parse against a format from the
 * schema (or a named one), validate every key like pve-common's `parse_property_string` +
 * `check_object`, and print back in PVE's canonical order (`print_property_string`, spec §6.1):
 * the default key first as a bare value, then the non-optional keys sorted, then the rest
 * sorted; `disk-size` values rendered with `format_size`.
 */
import { NAMED_PROPERTY_FORMATS } from './named-property-formats.ts';
import { checkValue } from './check-value.ts';
import type { ParamSchema, PropertyFormat } from './types.ts';

export type PropertyValue = string | number;
export type PropertyRecord = Record<string, PropertyValue>;

export interface PropertyParseResult {
  /** Typed values: integers and numbers as numbers, booleans as 0/1, the rest as strings. */
  value: PropertyRecord;
  /** Per-key errors, keyed `<path>.<key>` (or `<key>` without a path), as PVE reports them. */
  errors: Record<string, string>;
  /** The whole error text PVE would put after `invalid format - `, or undefined when valid. */
  message?: string;
}

export interface PropertyParseOptions {
  /** Parameter name used to prefix per-key errors (`net0.bridge`). */
  path?: string;
  /** Fill keys the string omits with their schema defaults. */
  defaults?: boolean;
}

/** A format given by name (named property formats) or inline; undefined if not a property format. */
export function resolvePropertyFormat(format: string | PropertyFormat | undefined): PropertyFormat | undefined {
  if (format === undefined) return undefined;
  if (typeof format === 'string') return NAMED_PROPERTY_FORMATS[format];
  return format;
}

/** `1|on|yes|true` → 1, `0|off|no|false` → 0 (pve-common `parse_boolean`), else undefined. */
export function parseBoolean(text: string): 0 | 1 | undefined {
  if (/^(1|on|yes|true)$/i.test(text)) return 1;
  if (/^(0|off|no|false)$/i.test(text)) return 0;
  return undefined;
}

function defaultKeyOf(format: PropertyFormat): string | undefined {
  return Object.keys(format).find((key) => format[key]?.default_key);
}

function syntaxError(message: string, errors: Record<string, string> = {}): PropertyParseResult {
  return { value: {}, errors, message };
}

export function parsePropertyString(
  formatOrName: string | PropertyFormat,
  text: string,
  options: PropertyParseOptions = {},
): PropertyParseResult {
  const format = resolvePropertyFormat(formatOrName);
  if (!format) throw new Error(`unknown property-string format '${String(formatOrName)}'`);
  const raw: Record<string, string | 0 | 1> = {};
  let defaultKey: string | undefined;
  for (const part of text.split(',')) {
    if (/^\s*$/.test(part)) continue;
    const kv = /^([^=]+)=(.+)$/s.exec(part);
    if (kv) {
      let key = kv[1] as string;
      const val = kv[2] as string;
      if (raw[key] !== undefined) return syntaxError(`duplicate key in comma-separated list property: ${key}\n`);
      let schema: ParamSchema | undefined = format[key];
      if (schema?.alias) {
        if (schema.keyAlias) {
          if (raw[schema.keyAlias] !== undefined)
            return syntaxError(`key alias '${schema.keyAlias}' is already defined\n`);
          raw[schema.keyAlias] = key;
        }
        key = schema.alias;
        schema = format[key];
      }
      if (!schema) return syntaxError(`invalid key in comma-separated list property: ${key}\n`);
      raw[key] = schema.type === 'boolean' ? (parseBoolean(val) ?? val) : val;
    } else if (!part.includes('=')) {
      if (defaultKey !== undefined)
        return syntaxError(`duplicate key in comma-separated list property: ${defaultKey}\n`);
      defaultKey = defaultKeyOf(format);
      if (defaultKey === undefined) return syntaxError('value without key, but schema does not define a default key\n');
      if (raw[defaultKey] !== undefined)
        return syntaxError(`duplicate key in comma-separated list property: ${defaultKey}\n`);
      raw[defaultKey] = part;
    } else {
      return syntaxError('missing key in comma-separated list property\n');
    }
  }

  const errors: Record<string, string> = {};
  const value: PropertyRecord = {};
  const prefix = options.path ? `${options.path}.` : '';
  for (const [key, schema] of Object.entries(format)) {
    if (schema.alias) continue;
    const given = raw[key];
    if (given === undefined) {
      if (!schema.optional && !(schema.default_key && schema.default !== undefined)) {
        errors[prefix + key] = 'property is missing and it is not optional';
      } else if (options.defaults && schema.default !== undefined) {
        value[key] = schema.default as PropertyValue;
      }
      continue;
    }
    const checked = checkValue(schema, given);
    if (checked.error !== undefined) errors[prefix + key] = checked.error;
    else value[key] = checked.value as PropertyValue;
  }
  if (Object.keys(errors).length > 0) {
    const lines = Object.keys(errors)
      .sort()
      .map((key) => `${key}: ${errors[key]}\n`)
      .join('');
    return { value, errors, message: `format error\n${lines}` };
  }
  return { value, errors };
}

// --- printing ---

const UNITS = ['K', 'M', 'G', 'T'] as const;

/** Bytes from a size string (`8G`, `512M`, `1.5T`, `4GiB`, bare bytes); undefined if invalid. */
export function parseSize(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? Math.trunc(text) : undefined;
  const m = /^(\d+(?:\.\d+)?)([KMGT])?(?:iB)?$/.exec(text);
  if (!m) return undefined;
  const power = m[2] ? UNITS.indexOf(m[2] as (typeof UNITS)[number]) + 1 : 0;
  return Math.trunc(Number(m[1]) * 1024 ** power);
}

/** PVE's `format_size`: the largest unit that divides the size exactly, bare bytes otherwise. */
export function formatSize(size: string | number): string {
  let value = parseSize(size);
  if (value === undefined) return String(size);
  let unit = '';
  for (const next of UNITS) {
    if (value === 0 || value % 1024 !== 0) break;
    value /= 1024;
    unit = next;
  }
  return `${value}${unit}`;
}

function formatValue(key: string, schema: ParamSchema | undefined, value: PropertyValue): string {
  const text = schema?.format === 'disk-size' ? formatSize(value) : String(value);
  if (text.includes(',')) throw new Error(`illegal value with commas for ${key}`);
  return text;
}

/** Serialises a record in PVE's canonical key order; throws on keys the format does not know. */
export function printPropertyString(formatOrName: string | PropertyFormat, record: PropertyRecord): string {
  const format = resolvePropertyFormat(formatOrName);
  if (!format) throw new Error(`unknown property-string format '${String(formatOrName)}'`);
  const defaultKey = defaultKeyOf(format);
  // keyAlias pairs: `model` + `macaddr` print together as `virtio=BC:24:11:...`.
  const combine = new Map<string, string>();
  for (const schema of Object.values(format)) {
    if (schema.keyAlias && schema.alias) combine.set(schema.keyAlias, schema.alias);
  }
  const parts: string[] = [];
  const done = new Set<string>();
  const add = (key: string, bare: boolean): void => {
    if (done.has(key)) return;
    done.add(key);
    const value = record[key];
    if (value === undefined) return;
    const partner = combine.get(key);
    const partnerValue = partner === undefined ? undefined : record[partner];
    if (partner !== undefined && partnerValue !== undefined) {
      parts.push(`${formatValue(key, format[key], value)}=${formatValue(partner, format[partner], partnerValue)}`);
      done.add(partner);
      return;
    }
    const schema = format[key];
    if (!schema) throw new Error(`invalid key '${key}'`);
    const text = formatValue(key, schema, value);
    parts.push(bare ? text : `${key}=${text}`);
  };
  if (defaultKey !== undefined) add(defaultKey, true);
  const keys = Object.keys(record).sort();
  for (const key of keys) {
    const schema = format[key];
    if (schema && !schema.optional) add(key, false);
  }
  for (const key of keys) add(key, false);
  return parts.join(',');
}

/** Parses then prints: the form PVE stores and returns on read. Throws on invalid input. */
export function canonicalPropertyString(formatOrName: string | PropertyFormat, text: string): string {
  const parsed = parsePropertyString(formatOrName, text);
  if (parsed.message !== undefined) throw new Error(parsed.message);
  return printPropertyString(formatOrName, parsed.value);
}
