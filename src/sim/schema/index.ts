/**
 * @module The simulator's view of the official PVE 8.4 API schema: the committed parameter
 * table, request validation and property-string helpers.
 */
export { schemaTable, getEndpoint, matchRoute, type RouteMatch } from './table.ts';
export { validateParams, findParamSchema, INDEXED_COUNTS, type ValidationResult } from './validate.ts';
export {
  parsePropertyString,
  printPropertyString,
  canonicalPropertyString,
  resolvePropertyFormat,
  parseBoolean,
  parseSize,
  formatSize,
  type PropertyRecord,
  type PropertyValue,
  type PropertyParseResult,
} from './property-string.ts';
export { checkNamedFormat } from './formats.ts';
export { NAMED_PROPERTY_FORMATS } from './named-property-formats.ts';
export type { EndpointSchema, ParamSchema, PropertyFormat, SchemaTable } from './types.ts';
