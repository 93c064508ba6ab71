import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliError } from '../../errors.ts';
import { globMatches, loadFaultConfig } from './config.ts';
import { FaultInjector } from './injector.ts';

describe('globMatches', () => {
  it.each([
    ['/nodes/*/qemu', '/nodes/pve/qemu', true],
    ['/nodes/*/qemu', '/nodes/pve/qemu/100', false],
    ['/nodes/**', '/nodes/pve/qemu/100/config', true],
    ['/nodes/*/qemu/**', '/nodes/pve/qemu', true],
    ['/nodes/{node}/qemu', '/nodes/{node}/qemu', true],
    ['/version', '/versions', false],
  ])('%s vs %s → %s', (glob, path, expected) => {
    expect(globMatches(glob, path)).toBe(expected);
  });
});

describe('loadFaultConfig', () => {
  it('reads PHOENIX_SIM_FAULTS, and a file overrides it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'faults-'));
    try {
      const env = { PHOENIX_SIM_FAULTS: '{"seed":5,"rules":[{"error500":0.1}]}' };
      expect(loadFaultConfig({ env })).toEqual({ seed: 5, rules: [{ error500: 0.1 }] });
      const file = join(dir, 'f.json');
      writeFileSync(file, '{"rules":[{"route":"/version","drop":1}]}');
      expect(loadFaultConfig({ env, file })).toEqual({ rules: [{ route: '/version', drop: 1 }] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects bad JSON, unknown keys and rates above 1 with a CliError and a hint', () => {
    for (const text of ['{nope', '{"rules":[{"eror500":0.1}]}', '{"rules":[{"error500":2}]}']) {
      let error: unknown;
      try {
        loadFaultConfig({ env: { PHOENIX_SIM_FAULTS: text } });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(CliError);
      expect((error as CliError).hint).toBeDefined();
    }
  });
});

describe('FaultInjector', () => {
  it('answers the model oracle for the request in scope only', () => {
    const faults = new FaultInjector({ rules: [{ route: '/nodes/*/qemu/*/clone', taskFailure: 1, lockTimeout: 1 }] });
    expect(faults.taskFailure('qmclone', 'pve')).toBeUndefined();
    const scope = { method: 'POST', path: '/nodes/pve/qemu/9000/clone', route: '/nodes/{node}/qemu/{vmid}/clone' };
    expect(faults.run(scope, () => faults.taskFailure('qmclone', 'pve'))).toMatch(/qmclone failed/);
    expect(faults.run(scope, () => faults.lockTimeout(9000))).toBe(true);
    expect(faults.counts).toEqual({ taskFailure: 1, lockTimeout: 1 });
  });
});
