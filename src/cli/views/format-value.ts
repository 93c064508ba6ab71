/**
 * How values appear in a rendered plan: strings quoted, numbers and booleans bare, objects
 * and arrays as compact JSON, absent as `(none)`. Long values are cut so one attribute stays
 * one line, except in a change (`full`), where the reader needs every character.
 */
const MAX = 120;

export function formatValue(value: unknown, options: { full?: boolean } = {}): string {
  if (value === undefined) return '(none)';
  if (value === null) return 'null';
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > MAX && !options.full ? `${text.slice(0, MAX - 1)}…` : text;
}
