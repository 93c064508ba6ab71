/**
 * A plan against an endpoint that is down or refuses the token fails with ONE clear error
 * naming what to check — not one transport error per resource kind.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createPhoenix } from '../../src/app/create-phoenix.ts';
import { planEnvironment } from '../../src/app/operations.ts';
import { startE2e, type E2eEnv } from './_harness.ts';

let env: E2eEnv | undefined;
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

describe('planning against an unusable endpoint', () => {
  it('names a refused token once, with a hint', async () => {
    env = await startE2e();
    const phoenix = await createPhoenix({
      configDir: env.configDir,
      endpoint: { url: env.sim.url, tokenId: env.sim.tokenId, tokenSecret: 'wrong-secret' },
      taskTimeoutMs: 10_000,
    });
    try {
      await expect(planEnvironment(phoenix)).rejects.toMatchObject({
        code: 'E_PVE_AUTH',
        message: `the Proxmox API at ${env.sim.url} refused the API token (401 authentication failed)`,
        hint: expect.stringContaining('proxmox.tokenId'),
      });
    } finally {
      await phoenix.close();
    }
  });

  it('names an unreachable endpoint once, with a hint', async () => {
    env = await startE2e();
    const url = env.sim.url;
    await env.sim.stop();
    const phoenix = await createPhoenix({
      configDir: env.configDir,
      endpoint: { url, tokenId: env.sim.tokenId, tokenSecret: env.tokenSecret },
      taskTimeoutMs: 10_000,
    });
    try {
      await expect(planEnvironment(phoenix)).rejects.toMatchObject({
        code: 'E_PVE_UNREACHABLE',
        message: expect.stringMatching(
          /^cannot reach the Proxmox API at http:\/\/127\.0\.0\.1:\d+: connection refused.*ECONNREFUSED/,
        ),
      });
    } finally {
      await phoenix.close();
    }
  });
});
