import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Plan, ResourceChange } from '../../engine/plan/types.ts';
import { shouldColor } from './color.ts';
import { renderPlanHuman } from './plan-human.ts';
import { renderPlanGraph } from './plan-graph.ts';
import { renderPlanJson } from './plan-json.ts';
import { JsonProgressHook } from './progress-json.ts';
import { PlainProgressHook } from './progress-plain.ts';
import { TtyProgressHook } from './progress-tty.ts';

function change(partial: Partial<ResourceChange> & Pick<ResourceChange, 'address' | 'action'>): ResourceChange {
  return {
    kind: 'proxmox.lxc',
    before: null,
    after: null,
    attributes: [],
    reasons: [],
    dependsOn: [],
    observedDigest: 'd',
    desiredDigest: 'd',
    ...partial,
  };
}

function plan(changes: ResourceChange[], extra: Partial<Plan> = {}): Plan {
  return {
    formatVersion: '1.0',
    createdAt: '2026-01-01T00:00:00.000Z',
    changes,
    drift: [],
    unmanaged: [],
    diagnostics: [],
    complete: true,
    applyable: true,
    errored: false,
    observedDigest: 'x',
    options: { prune: false, targets: [] },
    ...extra,
  };
}

const sample = plan(
  [
    change({ address: 'guest.100', action: 'noop' }),
    change({
      address: 'guest.103',
      action: 'create',
      after: { hostname: 'step-ca', memory: 1024, password: null, net0: { bridge: 'vmbr0', ip: 'dhcp' } },
      attributes: [{ path: 'password', before: null, after: null, sensitive: true }],
    }),
    change({
      address: 'guest.101',
      action: 'update',
      attributes: [
        { path: 'memory', before: 1024, after: 2048 },
        { path: 'description', before: undefined, after: 'gateway' },
        { path: 'mp1', before: 'local:8', after: undefined },
      ],
    }),
    change({
      address: 'guest.102',
      action: 'update-restart',
      attributes: [
        { path: 'cores', before: 1, after: 2, requiresRestart: true },
        { path: 'cipassword', before: null, after: null, sensitive: true },
      ],
    }),
    change({
      address: 'guest.1001',
      kind: 'proxmox.qemu',
      action: 'replace',
      attributes: [{ path: 'ostemplate', before: 'debian-11', after: 'debian-12', forcesReplacement: true }],
    }),
    change({ address: 'guest.150', action: 'delete', reasons: ['no longer in the configuration (--prune)'] }),
  ],
  {
    unmanaged: [{ address: 'guest.200', kind: 'proxmox.lxc', summary: 'lxc 200 "scratch" on pve1' }],
    diagnostics: [
      { severity: 'warning', code: 'W', message: 'guest.7 is managed but not in the config', hint: 'use --prune' },
    ],
  },
);

describe('renderPlanHuman', () => {
  it('matches the golden rendering', () => {
    const golden = new URL('./__fixtures__/plan-human.golden.txt', import.meta.url);
    const text = renderPlanHuman(sample, { color: false });
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(golden, text);
    expect(text).toBe(readFileSync(golden, 'utf8'));
  });

  it('says so when there is nothing to do', () => {
    expect(renderPlanHuman(plan([change({ address: 'a', action: 'noop' })]), { color: false })).toBe(
      'No changes. Your infrastructure matches the configuration.\n',
    );
  });

  it('colours symbols only when asked', () => {
    const coloured = renderPlanHuman(sample, { color: true });
    expect(coloured).toContain('\x1b[32m+\x1b[39m');
    expect(coloured).toContain('\x1b[31m-\x1b[39m/\x1b[32m+\x1b[39m');
    expect(renderPlanHuman(sample, { color: false })).not.toContain('\x1b[');
  });

  it('reports a failed plan', () => {
    const failed = plan([], {
      errored: true,
      applyable: false,
      diagnostics: [{ severity: 'error', code: 'E', message: 'guest.9 is protected but the plan would replace it' }],
    });
    expect(renderPlanHuman(failed, { color: false })).toContain('Planning failed.');
  });
});

describe('shouldColor', () => {
  it.each([
    [{ isTTY: true }, {}, true],
    [{ isTTY: false }, {}, false],
    [{ isTTY: true }, { NO_COLOR: '1' }, false],
    [{ isTTY: false }, { FORCE_COLOR: '1' }, true],
  ])('%o with %o → %s', (stream, env, expected) => {
    expect(shouldColor(stream, env)).toBe(expected);
  });
});

describe('renderPlanJson', () => {
  it('is versioned, summarised, and hides sensitive values', () => {
    const json = JSON.parse(renderPlanJson(sample)) as Record<string, unknown>;
    expect(json.formatVersion).toBe('1.0');
    expect(json.summary).toEqual({ add: 2, change: 2, destroy: 2 });
    expect(json.hasChanges).toBe(true);
    const changes = json.changes as { address: string; attributes: unknown[] }[];
    expect(changes.find((c) => c.address === 'guest.102')?.attributes[1]).toEqual({
      path: 'cipassword',
      sensitive: true,
    });
  });
});

describe('renderPlanJson phases', () => {
  it("shows a phased create's phases and what only its start waits for", () => {
    const json = JSON.parse(
      renderPlanJson(
        plan([
          change({
            address: 'guest.1002',
            action: 'create',
            dependsOn: ['guest.1001', 'guest.9000'],
            phases: ['create', 'configure', 'start', 'healthy'],
            startAfter: ['guest.1001'],
            health: 'when-needed',
          }),
          change({ address: 'guest.100', action: 'noop' }),
        ]),
      ),
    ) as { changes: Record<string, unknown>[] };
    expect(json.changes[0]).toMatchObject({
      phases: ['create', 'configure', 'start', 'healthy'],
      startAfter: ['guest.1001'],
      health: 'when-needed',
    });
    expect(json.changes[1]).not.toHaveProperty('phases');
  });
});

describe('renderPlanGraph', () => {
  it('labels every resource with its planned action, in apply order', () => {
    const text = renderPlanGraph({
      changes: [
        change({ address: 'ca', action: 'noop' }),
        change({ address: 'gw', action: 'create', dependsOn: ['ca'] }),
      ],
    });
    expect(text).toBe('flowchart LR\n  n0["= ca"]\n  n1["+ gw"]\n  n0 --> n1\n');
  });
});

describe('progress hooks', () => {
  it('writes plain log lines with elapsed time', () => {
    let t = 0;
    const lines: string[] = [];
    const hook = new PlainProgressHook(
      (l) => lines.push(l),
      () => t,
    );
    hook.preApply({ address: 'guest.101', kind: 'k', action: 'create' });
    t = 3200;
    hook.progress({ address: 'guest.101', message: 'waiting for task' });
    hook.postApply({ address: 'guest.101', kind: 'k', action: 'create', outcome: 'created', durationMs: 3200 });
    hook.postApply({
      address: 'guest.102',
      kind: 'k',
      action: 'create',
      outcome: 'skipped',
      durationMs: 0,
      reason: 'upstream failed: guest.101',
    });
    hook.postApply({
      address: 'guest.103',
      kind: 'k',
      action: 'update',
      outcome: 'failed',
      durationMs: 1000,
      error: new Error('locked\nmore'),
    });
    expect(lines).toEqual([
      '[  0.0s] guest.101: creating\n',
      '[  3.2s] guest.101: waiting for task\n',
      '[  3.2s] guest.101: created in 3.2s\n',
      '[  3.2s] guest.102: skipped (upstream failed: guest.101)\n',
      '[  3.2s] guest.103: failed after 1.0s: locked\n',
    ]);
  });

  it('writes one JSON object per event', () => {
    const lines: string[] = [];
    const hook = new JsonProgressHook(
      (l) => lines.push(l),
      () => new Date('2026-01-01T00:00:00Z'),
    );
    hook.preApply({ address: 'guest.101', kind: 'k', action: 'create' });
    hook.postApply({
      address: 'guest.101',
      kind: 'k',
      action: 'create',
      outcome: 'failed',
      durationMs: 12.4,
      error: new Error('boom\nstack'),
    });
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual([
      { type: 'apply.start', ts: '2026-01-01T00:00:00.000Z', address: 'guest.101', kind: 'k', action: 'create' },
      {
        type: 'apply.end',
        ts: '2026-01-01T00:00:00.000Z',
        address: 'guest.101',
        kind: 'k',
        action: 'create',
        outcome: 'failed',
        durationMs: 12,
        error: 'boom',
      },
    ]);
  });

  it('does not cut lines to nothing on a terminal that reports no width', () => {
    let out = '';
    const hook = new TtyProgressHook({ write: (s: string) => (out += s), columns: 0 }, { color: false, now: () => 0 });
    hook.preApply({ address: 'guest.101', kind: 'k', action: 'update' });
    hook.stop();
    expect(out).toContain('guest.101: updating 0.0s');
  });

  it('redraws live lines in place on a TTY and prints finished ones once', () => {
    let t = 0;
    let out = '';
    const hook = new TtyProgressHook({ write: (s: string) => (out += s) }, { color: false, now: () => t, columns: 80 });
    hook.preApply({ address: 'guest.101', kind: 'k', action: 'create' });
    t = 1500;
    hook.progress({ address: 'guest.101', message: 'waiting for task' });
    expect(out).toContain('⠋ guest.101: creating 1.5s — waiting for task\n');
    hook.postApply({ address: 'guest.101', kind: 'k', action: 'create', outcome: 'created', durationMs: 1500 });
    hook.stop();
    expect(out.endsWith('\x1b[1A\x1b[2K✓ guest.101: created in 1.5s\n')).toBe(true);
  });
});
