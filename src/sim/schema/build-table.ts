/**
 * Turns the official `apidata` tree into the simulator's flat parameter table. Used by the
 * generator script and by the drift test; never at run time (the product reads the committed
 * JSON file through `table.ts`).
 */
import { createHash } from 'node:crypto';
import type { SchemaTable, EndpointSchema } from './types.ts';

/** The roots the simulator serves (every root of the PVE 8.4 tree). */
export const SERVED_ROOTS = ['/version', '/nodes', '/cluster', '/access', '/pools', '/storage'] as const;

export const SCHEMA_SOURCE =
  '../shared/pve/apidata-pve8.4.json (proxmox/pve-docs stable-bookworm api-viewer/apidata.js, PVE 8.4)';

/** Keys that are prose only; dropping them keeps the committed table small. */
const PROSE = new Set(['description', 'verbose_description', 'title', 'format_description', 'typetext']);

interface ApiNode {
  path: string;
  info?: Record<string, Record<string, unknown>>;
  children?: ApiNode[];
}

function stripProse(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripProse);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (PROSE.has(key) && typeof inner === 'string') continue;
    out[key] = stripProse(inner);
  }
  return out;
}

function endpointOf(info: Record<string, unknown>): EndpointSchema {
  const params = (info['parameters'] ?? {}) as Record<string, unknown>;
  const entry: EndpointSchema = {
    name: String(info['name']),
    parameters: {
      additionalProperties: params['additionalProperties'] === 1 || params['additionalProperties'] === true ? 1 : 0,
      properties: stripProse(params['properties'] ?? {}) as EndpointSchema['parameters']['properties'],
    },
    allowtoken: info['allowtoken'] === 0 ? 0 : 1,
  };
  const perms = info['permissions'] as Record<string, unknown> | undefined;
  if (perms) {
    const kept: EndpointSchema['permissions'] = {};
    if (perms['check'] !== undefined) kept.check = perms['check'] as unknown[];
    if (perms['user'] !== undefined) kept.user = String(perms['user']);
    entry.permissions = kept;
  }
  if (info['protected']) entry.protected = 1;
  if (typeof info['proxyto'] === 'string') entry.proxyto = info['proxyto'];
  return entry;
}

export function buildSchemaTable(raw: Buffer): SchemaTable {
  const sha256 = createHash('sha256').update(raw).digest('hex');
  const tree = JSON.parse(raw.toString('utf8')) as ApiNode[];
  const endpoints: SchemaTable['endpoints'] = {};
  const visit = (node: ApiNode): void => {
    if (SERVED_ROOTS.some((root) => node.path === root || node.path.startsWith(`${root}/`)) && node.info) {
      const methods: Record<string, EndpointSchema> = {};
      for (const method of Object.keys(node.info).sort()) {
        methods[method] = endpointOf(node.info[method] ?? {});
      }
      endpoints[node.path] = methods;
    }
    for (const child of node.children ?? []) visit(child);
  };
  for (const root of tree) visit(root);
  return { source: SCHEMA_SOURCE, sha256, generator: 'scripts/gen-pve-schema.ts', endpoints };
}
