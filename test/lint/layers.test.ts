/**
 * The layer rule is active (issue 10): the real ESLint config, run on fixture sources placed at
 * paths inside src/, reports an upward import — static, re-export or dynamic — and sim/
 * importing clients/, and accepts imports that point down.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: new URL('../..', import.meta.url).pathname });

async function layerErrors(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'layers/imports').map((m) => m.message);
}

const FIXTURES = {
  engineImportsApp: `import type { Phoenix } from '../app/create-phoenix.ts';\nexport type X = Phoenix;\n`,
  providerReexportsApp: `export { planEnvironment } from '../../app/operations.ts';\n`,
  cliDynamicProvider: `export async function f(): Promise<unknown> {\n  return import('../../providers/proxmox/derive.ts');\n}\n`,
  simImportsClient: `import { SshClient } from '../../clients/ssh/ssh-client.ts';\nexport const c = SshClient;\n`,
  appImportsProvider: `import { PROVIDERS } from '../providers/registry.ts';\nexport const p = PROVIDERS;\n`,
};

describe('layer lint rule', () => {
  it('fails on an upward import', async () => {
    expect(await layerErrors('src/engine/fixture-upward.ts', FIXTURES.engineImportsApp)).toEqual([
      expect.stringMatching(
        /^engine\/ must not import app\/ \(\.\.\/app\/create-phoenix\.ts\): imports only point down/,
      ),
    ]);
    expect(await layerErrors('src/providers/proxmox/fixture.ts', FIXTURES.providerReexportsApp)).toHaveLength(1);
  });

  it('sees dynamic imports and keeps the CLI above app/', async () => {
    expect(await layerErrors('src/cli/commands/fixture.ts', FIXTURES.cliDynamicProvider)).toEqual([
      expect.stringContaining('cli/ must not import providers/'),
    ]);
  });

  it('keeps the simulator independent of the client side', async () => {
    expect(await layerErrors('src/sim/ssh/fixture.ts', FIXTURES.simImportsClient)).toEqual([
      expect.stringContaining('sim/ must not import clients/'),
    ]);
  });

  it('accepts imports that point down, and lets tests wire layers together', async () => {
    expect(await layerErrors('src/app/fixture.ts', FIXTURES.appImportsProvider)).toEqual([]);
    expect(await layerErrors('src/engine/fixture.test.ts', FIXTURES.engineImportsApp)).toEqual([]);
  });
});
