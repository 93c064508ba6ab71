/**
 * Traefik cannot run here or in the simulator, so its config is checked by the official v3 JSON
 * Schemas (the committed copies in `generated/`, see `build.ts`), compiled once with ajv. This
 * runs when routes are derived for a plan and again in the handler right before anything is
 * written. Two checks are Phoenix's own on top: the official file-provider schema leaves
 * `http.serversTransports` open, so the fields Traefik documents for it are checked strictly
 * here; and `insecureSkipVerify: true` is refused anywhere (upstreams are always verified).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Ajv as AjvClass, ErrorObject, ValidateFunction } from 'ajv';
import { TRAEFIK_SCHEMA_FILES, type CommittedSchema } from './build.ts';

export interface TraefikValidators {
  static(document: unknown): string[];
  dynamic(document: unknown): string[];
}

/** A dynamic `http.serversTransports` entry, with the fields Traefik v3 documents for it. */
const SERVERS_TRANSPORT = {
  type: 'object',
  additionalProperties: false,
  properties: {
    serverName: { type: 'string', minLength: 1 },
    insecureSkipVerify: { type: 'boolean' },
    rootCAs: { type: 'array', items: { type: 'string', minLength: 1 } },
    certificates: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        properties: { certFile: { type: 'string' }, keyFile: { type: 'string' } },
      },
    },
    maxIdleConnsPerHost: { type: 'integer' },
    disableHTTP2: { type: 'boolean' },
    peerCertURI: { type: 'string' },
    forwardingTimeouts: {
      type: 'object',
      additionalProperties: false,
      properties: Object.fromEntries(
        ['dialTimeout', 'responseHeaderTimeout', 'idleConnTimeout', 'readIdleTimeout', 'pingTimeout'].map((k) => [
          k,
          { type: ['string', 'integer'] },
        ]),
      ),
    },
    spiffe: {
      type: 'object',
      additionalProperties: false,
      properties: { ids: { type: 'array', items: { type: 'string' } }, trustDomain: { type: 'string' } },
    },
  },
};

const SUPPLEMENT = {
  type: 'object',
  properties: {
    http: {
      type: 'object',
      properties: { serversTransports: { type: 'object', additionalProperties: SERVERS_TRANSPORT } },
    },
  },
};

function format(e: ErrorObject): string {
  const params = Object.entries(e.params as Record<string, unknown>)
    .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
    .join(', ');
  return `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${params ? ` (${params})` : ''}`;
}

function errors(validate: ValidateFunction, document: unknown): string[] {
  if (validate(document)) return [];
  return (validate.errors ?? []).map(format);
}

/** Paths where `insecureSkipVerify` is true: never written by Phoenix. */
export function insecureSkipVerifyPaths(document: unknown, path = ''): string[] {
  if (Array.isArray(document)) return document.flatMap((v, i) => insecureSkipVerifyPaths(v, `${path}/${i}`));
  if (document === null || typeof document !== 'object') return [];
  return Object.entries(document as Record<string, unknown>).flatMap(([key, value]) =>
    key === 'insecureSkipVerify' && value === true
      ? [`${path}/${key} must not be true (upstreams are verified against the internal root)`]
      : insecureSkipVerifyPaths(value, `${path}/${key}`),
  );
}

function load(file: string): Record<string, unknown> {
  const committed = JSON.parse(
    readFileSync(new URL(`./generated/${file}`, import.meta.url), 'utf8'),
  ) as CommittedSchema;
  return committed.schema;
}

let cached: TraefikValidators | undefined;

export function traefikValidators(): TraefikValidators {
  if (cached) return cached;
  // Loaded on first use: commands that derive no Traefik files never pay for ajv or the schemas.
  const { Ajv } = createRequire(import.meta.url)('ajv') as { Ajv: typeof AjvClass };
  // The schemas use draft-07 with SchemaStore's extensions; strict mode would reject those.
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
  const staticSchema = ajv.compile(load(TRAEFIK_SCHEMA_FILES.static));
  const dynamicSchema = ajv.compile(load(TRAEFIK_SCHEMA_FILES.dynamic));
  const supplement = ajv.compile(SUPPLEMENT);
  cached = {
    static: (d) => [...errors(staticSchema, d), ...insecureSkipVerifyPaths(d)],
    dynamic: (d) => [...errors(dynamicSchema, d), ...errors(supplement, d), ...insecureSkipVerifyPaths(d)],
  };
  return cached;
}
