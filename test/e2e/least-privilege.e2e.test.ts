/**
 * The role `phoenix init` derives is least privilege against a simulator that enforces every
 * endpoint's privileges (the schema's `permissions` and the checks PVE's handlers make in
 * code): the whole example applies with it (test/e2e/host.test.ts), and without any single
 * one of its privileges the apply fails and the failure names the missing privilege.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createPhoenix } from '../../src/app/create-phoenix.ts';
import { applyPlan, planEnvironment } from '../../src/app/operations.ts';
import { runCli } from '../../src/config/__fixtures__/run-cli.ts';
import { phoenixAccess } from '../../src/providers/pve-host/bootstrap.ts';
import { getEndpoint } from '../../src/sim/schema/index.ts';
import { startE2e, type E2eEnv } from './_harness.ts';

let env: E2eEnv | undefined;
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

const ACCESS = ['acl./.Phoenix.phoenix@pve', 'acl./.Phoenix.phoenix@pve!gitops'];

const role = phoenixAccess({ user: 'phoenix@pve', token: 'gitops', role: 'Phoenix' }, (m, r) => {
  const e = getEndpoint(m, r);
  return e ? (e.permissions ?? null) : undefined;
}).privileges;

/** A fresh environment whose role lacks `missing`, bootstrapped by root as `phoenix init` says. */
async function withoutPrivilege(missing: string): Promise<{ env: E2eEnv; secret: string }> {
  const e = await startE2e({ speed: 0 });
  const hostFile = join(e.configDir, 'host.yaml');
  const text = readFileSync(hostFile, 'utf8');
  const reduced = text.replace(new RegExp(`\\n {8}- ${missing.replace('.', '\\.')}\\n`), '\n');
  expect(reduced, `${missing} is declared in host.yaml`).not.toBe(text);
  writeFileSync(hostFile, reduced);
  const root = await e.open();
  try {
    const bootstrap = await planEnvironment(root, { targets: ACCESS });
    const result = await applyPlan(root, bootstrap);
    expect([...result.outcomes.values()].filter((o) => o.outcome === 'failed')).toEqual([]);
  } finally {
    await root.close();
  }
  return { env: e, secret: readFileSync(join(e.configDir, '.phoenix/secrets/pve-token'), 'utf8').trim() };
}

/** Plan + apply the whole example with the token; every error text of plan and apply. */
async function applyAsToken(e: E2eEnv, secret: string): Promise<string[]> {
  const phoenix = await createPhoenix({
    configDir: e.configDir,
    endpoint: { url: e.sim.url, tokenId: 'phoenix@pve!gitops', tokenSecret: secret },
    taskTimeoutMs: 60_000,
  });
  try {
    const planned = await planEnvironment(phoenix);
    const errors = planned.plan.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message);
    if (planned.plan.errored) return errors;
    // The target lease (a firewall alias, Sys.Modify on /) is taken before the first step: an
    // apply that cannot take it fails as a whole, before changing anything.
    const result = await applyPlan(phoenix, planned).catch((error: unknown) => error as Error);
    if (result instanceof Error) return [...errors, `apply: ${result.message}`];
    for (const o of result.outcomes.values()) {
      if (o.outcome === 'failed') errors.push(`${o.address}: ${(o.error as Error | undefined)?.message ?? ''}`);
    }
    return errors;
  } finally {
    await phoenix.close();
  }
}

/**
 * Privileges of the role that a first apply of the whole example does not exercise, and the
 * operation of Phoenix that needs them (kept exact: a change either way fails the test).
 */
const NOT_EXERCISED: Record<string, string> = {
  'Datastore.Audit': 'storage lists and content reads also accept Datastore.AllocateSpace, which the role has',
  'Datastore.Allocate': 'creating a storage (the test topology pre-creates them) and deleting volumes',
  'Pool.Audit': 'seeing the pool on the next plan (GET /pools lists only audited pools); a fresh apply creates it',
  'VM.Config.CDROM': 'changing a CD-ROM drive of an existing VM (create sets the cloud-init drive)',
  'VM.Migrate': 'moving a guest to another node',
};

/**
 * Privileges left out of the loop because the apply would wait instead of failing. None: a
 * refused agent ping (no VM.Monitor) fails the guest's health at once (guest-handler.ts `refusal`).
 */
const WAITS_INSTEAD_OF_FAILING: string[] = [];

/**
 * Real PVE does not name every privilege: create_vm of qemu-server and pve-container raises a
 * bare `Permission check failed` when VM.Allocate is held neither on /vms/{vmid} nor the pool.
 */
const PVE_WORDING: Record<string, RegExp> = {
  // A 4xx refusal of a create is reported as PVE said it, not retried (so no "safe to retry" note).
  'VM.Allocate': /POST \/nodes\/pve\/(qemu|lxc) failed \(403\): Permission check failed$/m,
};

describe('least privilege against an enforcing simulator', () => {
  it('the derived role is what the example needs: each privilege removed fails the apply, naming it', async () => {
    expect(role.length).toBeGreaterThan(10);
    const unexercised: string[] = [];
    const queue = role.filter(
      (p) =>
        !WAITS_INSTEAD_OF_FAILING.includes(p) && (!process.env.LP_ONLY || process.env.LP_ONLY.split(',').includes(p)),
    );
    // Each run mostly waits on retry back-off: a few side by side keep the test short.
    const worker = async (): Promise<void> => {
      for (let missing = queue.shift(); missing !== undefined; missing = queue.shift()) {
        const { env: e, secret } = await withoutPrivilege(missing);
        try {
          const errors = await applyAsToken(e, secret);
          // Not exercised = the apply went through; an apply that failed must name the privilege.
          if (errors.length === 0) unexercised.push(missing);
          else expect(errors.join('\n'), `without ${missing}`).toMatch(PVE_WORDING[missing] ?? missing);
        } finally {
          await e.cleanup();
        }
      }
    };
    await Promise.all(Array.from({ length: 6 }, worker));
    unexercised.sort();
    if (!process.env.LP_ONLY) expect(unexercised).toEqual(Object.keys(NOT_EXERCISED).sort());
  }, 240_000);

  // VM.Config.Memory fails a step; Sys.Modify fails taking the target lease, before any step.
  it.each(['VM.Config.Memory', 'Sys.Modify'])(
    'the CLI apply without %s names it on its output and exits non-zero',
    async (missing) => {
      const { env: e, secret } = await withoutPrivilege(missing);
      env = e;
      const file = join(e.configDir, 'phoenix.yaml');
      writeFileSync(
        file,
        readFileSync(file, 'utf8').replace(
          'version: 1\n',
          `version: 1\nproxmox:\n  endpoint: ${e.sim.url}\n  tokenId: phoenix@pve!gitops\n  tokenSecret: env:PHOENIX_LP_SECRET\n`,
        ),
      );
      process.env.PHOENIX_LP_SECRET = secret;
      try {
        const r = await runCli(['apply', '-c', e.configDir, '--auto-approve']);
        expect(`${r.stdout}\n${r.stderr}`).toContain(missing);
        expect(r.code).not.toBe(0);
        expect(r.stderr).not.toMatch(/internal error|\n {4}at /);
      } finally {
        delete process.env.PHOENIX_LP_SECRET;
      }
    },
    60_000,
  );
});
