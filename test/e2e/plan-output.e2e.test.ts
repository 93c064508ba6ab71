/**
 * Issue 9, how a plan reads: numbers look the same in update diffs as in create diffs (bare,
 * never `"1024"`), and list values such as firewall rules are shown in full, one item a line,
 * never cut with an ellipsis.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPlan, planEnvironment } from '../../src/app/operations.ts';
import { renderPlanHuman } from '../../src/cli/views/plan-human.ts';
import { startE2e, type E2eEnv } from './_harness.ts';

let env: E2eEnv;
beforeAll(async () => {
  env = await startE2e();
  const p = await env.open();
  try {
    const planned = await planEnvironment(p);
    const created = renderPlanHuman(planned.plan, { color: false });
    // Create diffs show numbers bare: the reference the update diffs must match.
    expect(created).toMatch(/\+ memory: 512\n/);
    const result = await applyPlan(p, planned);
    expect(result.succeeded).toBe(true);
  } finally {
    await p.close();
  }
}, 120_000);
afterAll(async () => env.cleanup());

describe('plan output', () => {
  it('an update diff shows numbers bare (text) and as numbers (--json attributes)', async () => {
    env.sim.control.apply('set-config', { vmid: 101, key: 'memory', value: 1024 });
    const p = await env.open();
    try {
      const { plan } = await planEnvironment(p);
      const text = renderPlanHuman(plan, { color: false });
      expect(text).toContain('~ memory: 1024 → 512');
      expect(text).not.toMatch(/"1024"|"512"/);
      const change = plan.changes.find((c) => c.address === 'guest.101');
      expect(change?.attributes).toEqual([{ path: 'memory', before: 1024, after: 512 }]);
    } finally {
      await p.close();
    }
  });

  it('firewall rules are shown in full, one rule a line, the changed one marked', async () => {
    const host = join(env.configDir, 'host.yaml');
    const text = readFileSync(host, 'utf8');
    writeFileSync(host, text.replace('comment: web UI }', 'comment: web UI and API }'));
    const p = await env.open();
    try {
      const { plan } = await planEnvironment(p);
      const out = renderPlanHuman(plan, { color: false });
      expect(out).not.toContain('…');
      const block = out.slice(out.indexOf('firewall.group.pve-mgmt (pve.fw-group)'));
      // Each comment carries the ownership marker with this environment's identity.
      const marker = `phoenix\\[${p.identity.id}\\]`;
      expect(block).toMatch(
        new RegExp(
          `~ rules:\\n\\s+- \\[0\\] \\{.*"comment":"${marker}: web UI".*\\}\\n` +
            `\\s+\\+ \\[0\\] \\{.*"comment":"${marker}: web UI and API".*"source":"\\+admins"\\}\\n` +
            `\\s+\\[1\\] \\{.*"comment":"${marker}: ssh".*\\}\\n`,
        ),
      );
    } finally {
      await p.close();
      writeFileSync(host, text);
    }
  });
});
