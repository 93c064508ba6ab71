import { describe, it, expect } from 'vitest';
import { cacheableRow, encodeBody, encodeJson } from './json-cache.ts';
import { createSimModel } from '../state/index.ts';
import { NO_FAULTS } from '../state/test-harness.ts';

describe('json-cache', () => {
  it('encodes exactly like JSON.stringify, cached rows or not', () => {
    const row = cacheableRow({ id: 'qemu/100', name: 'a"b', n: 1.5, u: undefined });
    const values: unknown[] = [[row, { x: 1 }, null, undefined, 'é\n', row], [], { a: [row] }, 'text', 42, null];
    for (const value of values) {
      expect(encodeJson(value).toString()).toBe(JSON.stringify(value) ?? 'null');
      const body = { data: value, errors: { a: 'b' }, message: 'm\n', skipped: undefined, total: 3 };
      expect(encodeBody(body).toString()).toBe(JSON.stringify(body));
    }
    expect(Object.isFrozen(row)).toBe(true);
  });

  it('/cluster/resources rows follow guest changes (no stale cached row)', async () => {
    const m = createSimModel({
      nodes: [{ name: 'pve', cores: 8, memoryMiB: 32768 }],
      speed: 0,
      faults: NO_FAULTS,
      seed: 1,
    });
    try {
      await m.call('POST', '/nodes/{node}/qemu', { node: 'pve', vmid: 100, name: 'a', memory: 1024 });
      await new Promise((resolve) => setTimeout(resolve, 50));
      const before = (await m.call('GET', '/cluster/resources', { type: 'vm' })) as Record<string, unknown>[];
      const again = (await m.call('GET', '/cluster/resources', { type: 'vm' })) as Record<string, unknown>[];
      expect(again[0]).toBe(before[0]);
      await m.call('PUT', '/nodes/{node}/qemu/{vmid}/config', {
        node: 'pve',
        vmid: 100,
        name: 'b',
        memory: 2048,
        tags: 't1',
      });
      const after = (await m.call('GET', '/cluster/resources', { type: 'vm' })) as Record<string, unknown>[];
      expect(after[0]).toMatchObject({ name: 'b', maxmem: 2048 * 1024 ** 2, tags: 't1' });
      expect(encodeJson(after).toString()).toBe(JSON.stringify(after));
      expect(before[0]).toMatchObject({ name: 'a', maxmem: 1024 * 1024 ** 2 });
    } finally {
      m.close();
    }
  });
});
