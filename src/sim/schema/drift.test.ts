import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildSchemaTable } from './build-table.ts';
import { schemaTable } from './table.ts';
import { compilePerlPattern } from './regex.ts';

const source = fileURLToPath(new URL('../../../../shared/pve/apidata-pve8.4.json', import.meta.url));
const haveSource = existsSync(source);
if (!haveSource && process.env['CI'] === 'true') throw new Error(`official schema not found at ${source}`);

describe('committed PVE schema table', () => {
  it.skipIf(!haveSource)('matches a fresh generation from ../shared/pve/apidata-pve8.4.json (no drift)', () => {
    const fresh = buildSchemaTable(readFileSync(source));
    const committed = schemaTable();
    expect(committed.sha256).toBe(fresh.sha256);
    expect(committed).toEqual(fresh);
  });

  it('serves every root of the PVE tree with the endpoints Phoenix needs', () => {
    const { endpoints } = schemaTable();
    const count = Object.values(endpoints).reduce((n, methods) => n + Object.keys(methods).length, 0);
    expect(count).toBe(605);
    for (const [route, method] of [
      ['/version', 'GET'],
      ['/cluster/resources', 'GET'],
      ['/nodes/{node}/lxc', 'POST'],
      ['/nodes/{node}/qemu/{vmid}/agent/exec', 'POST'],
      ['/access/users/{userid}/token/{tokenid}', 'POST'],
      ['/cluster/firewall/rules', 'POST'],
      ['/pools', 'POST'],
    ] as const) {
      expect(endpoints[route]?.[method], `${method} ${route}`).toBeDefined();
    }
  });

  it('has only patterns that compile as JavaScript regexes', () => {
    const patterns: string[] = [];
    const walk = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(walk);
      else if (value !== null && typeof value === 'object') {
        const record = value as Record<string, unknown>;
        if (typeof record['pattern'] === 'string') patterns.push(record['pattern']);
        Object.values(record).forEach(walk);
      }
    };
    walk(schemaTable().endpoints);
    expect(patterns.length).toBeGreaterThan(50);
    for (const pattern of patterns) expect(() => compilePerlPattern(pattern)).not.toThrow();
  });
});
