/**
 * The registry list against the folders: every provider folder (one with a `provider.ts`) is
 * listed exactly once under its folder's name, kinds are unique across providers, and each
 * provider builds exactly one handler per kind it declares — without connecting anywhere.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ProxmoxClient } from '../clients/proxmox/index.ts';
import { PhoenixConfig } from '../config/schema.ts';
import type { ProviderRuntime } from './provider.ts';
import { PROVIDERS } from './registry.ts';

const here = new URL('.', import.meta.url).pathname;

describe('provider registry', () => {
  it('lists every provider folder once, under its folder name', () => {
    const folders = readdirSync(here, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(here, d.name, 'provider.ts')))
      .map((d) => d.name)
      .sort();
    expect(PROVIDERS.map((p) => p.name).sort()).toEqual(folders);
    expect(new Set(PROVIDERS.map((p) => p.name)).size).toBe(PROVIDERS.length);
  });

  it('gives every kind to exactly one provider, and each provider builds one handler per kind', async () => {
    const kinds = PROVIDERS.flatMap((p) => p.kinds);
    expect(new Set(kinds).size).toBe(kinds.length);
    const runtime: ProviderRuntime = {
      config: PhoenixConfig.parse({ version: 1 }),
      configDir: '/nonexistent',
      nodeShell: false,
      environment: 'registry-test',
      identity: 'registry-test',
      resolveSecret: async () => {
        throw new Error('no secret is resolved while building handlers');
      },
      proxmox: () => ({ qemu: {} }) as unknown as ProxmoxClient,
      isAdopted: () => false,
      onClose: () => undefined,
    };
    for (const provider of PROVIDERS) {
      const handlers = await provider.handlers(runtime);
      expect(handlers.map((h) => h.kind).sort(), provider.name).toEqual([...provider.kinds].sort());
    }
  });

  it('claims config sections once each', () => {
    const sections = PROVIDERS.flatMap((p) => p.sections);
    expect(new Set(sections).size).toBe(sections.length);
  });
});
