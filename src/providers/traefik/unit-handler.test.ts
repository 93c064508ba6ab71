/**
 * `traefik.unit`: `systemctl daemon-reload` runs only after the unit file changed; a changed unit
 * of a running Traefik restarts it, a first write does not, and a second apply runs nothing but
 * the observation. On a recording shell (no systemd here) over a temporary directory.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Resource } from '../../engine/handler.ts';
import { localShell } from '../gateway/_local-shell.ts';
import type { TargetShell } from '../node/index.ts';
import { converge } from '../node/_sim-fixture.ts';
import { traefikUnit } from './binary.ts';
import { UNIT_KIND, unitHandler, type UnitDesired } from './unit-handler.ts';

let dir = '';
let systemctl: string[] = [];

function shell(): TargetShell {
  const real = localShell();
  return {
    ...real,
    exec(argv, options) {
      if (argv[0] !== 'systemctl') return real.exec(argv, options);
      systemctl.push(argv.slice(1).join(' '));
      return Promise.resolve({ code: 0, stdout: argv[1] === 'is-active' ? 'active\n' : '', stderr: '' });
    },
  };
}

const handler = unitHandler(() => shell());
const unit = (staticFile: string): Resource<UnitDesired> => ({
  address: 'traefik.102.unit',
  kind: UNIT_KIND,
  dependsOn: [],
  desired: {
    target: { kind: 'lxc', node: 'pve', vmid: 102 },
    path: join(dir, 'system', 'traefik.service'),
    content: traefikUnit('/usr/local/bin/traefik', staticFile),
    unit: 'traefik',
  },
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'phoenix-traefik-unit-'));
  systemctl = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('traefik.unit', () => {
  it('first write: daemon-reload, no restart; unchanged: nothing; changed: daemon-reload + restart', async () => {
    expect(await converge(handler, unit('/etc/traefik/traefik.yaml'))).toBe('create');
    expect(systemctl).toEqual(['daemon-reload']);
    expect(readFileSync(join(dir, 'system', 'traefik.service'), 'utf8')).toContain(
      'ExecStart=/usr/local/bin/traefik --configFile=/etc/traefik/traefik.yaml',
    );
    systemctl = [];
    expect(await converge(handler, unit('/etc/traefik/traefik.yaml'))).toBe('noop');
    expect(systemctl).toEqual([]);
    expect(await converge(handler, unit('/etc/traefik/other.yaml'))).toBe('update');
    expect(systemctl).toEqual(['daemon-reload', 'is-active traefik', 'restart traefik']);
  });
});
