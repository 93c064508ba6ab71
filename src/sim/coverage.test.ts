import { describe, expect, it } from 'vitest';
import { runCli } from '../config/__fixtures__/run-cli.ts';
import { formatCoverage, simCoverage } from './coverage.ts';
import { createSimModel } from './state/index.ts';

describe('simulator coverage report', () => {
  it('counts every schema endpoint once, as implemented or missing', () => {
    const c = simCoverage();
    expect(c.implemented.length + c.missing.length).toBe(605);
    expect(new Set([...c.implemented, ...c.missing]).size).toBe(605);
    expect(c.implemented).toContain('POST /nodes/{node}/storage/{storage}/upload');
    expect(c.implemented).toContain('GET /nodes/{node}/rrddata');
    expect(c.missing).toContain('GET /nodes/{node}/vncwebsocket');
    const areas = Object.values(c.areas).reduce((n, a) => n + a.total, 0);
    expect(areas).toBe(605);
  });

  it('no schema endpoint has two handlers (the HTTP layer would keep only the last)', () => {
    const model = createSimModel({
      nodes: [{ name: 'pve', cores: 1, memoryMiB: 1024 }],
      speed: 0,
      seed: 1,
      faults: { taskFailure: () => undefined, lockTimeout: () => false },
    });
    const keys = model.routes().map((r) => `${r.method} ${r.route}`);
    model.close();
    expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
  });

  it('`phoenix sim --coverage` prints the figure and exits 0 without starting a server', async () => {
    const c = simCoverage();
    const r = await runCli(['sim', '--coverage']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`implemented by the simulator: ${c.implemented.length} of 605`);
    expect(r.stdout).toMatch(/\/nodes\/\{node\}\/qemu\s+\d+ \/ 96/);
    expect(r.stdout).not.toContain('Not implemented (501)');
    const verbose = await runCli(['sim', '--coverage', '--verbose']);
    expect(verbose.stdout).toContain('Not implemented (501):\n  ');
    expect(formatCoverage(c, true)).toBe(verbose.stdout);
  });
});
