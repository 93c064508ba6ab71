/**
 * End-to-end harness: a real simulator over HTTP on 127.0.0.1 (`startTestSimulator`, every
 * request checked against the PVE schema) with the topology of examples/homelab, a private
 * copy of the config (its own state file), and Phoenix wired to that endpoint.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPhoenix, type Phoenix } from '../../src/app/create-phoenix.ts';
import { simTopology } from '../../src/app/sim-topology.ts';
import { loadConfig } from '../../src/config/index.ts';
import type { FaultConfig } from '../../src/sim/index.ts';
import { startTestSimulator, type TestSimulator } from '../../src/sim/testing.ts';

export interface E2eEnv {
  sim: TestSimulator;
  configDir: string;
  tokenSecret: string;
  open(): Promise<Phoenix>;
  /** Requests that change something (anything but GET), optionally since an index. */
  mutating(since?: number): { method: string; path: string; status: number }[];
  cleanup(): Promise<void>;
}

export async function startE2e(
  options: { speed?: number; faults?: FaultConfig; seed?: number; extraNodes?: string[]; osTemplates?: string[] } = {},
): Promise<E2eEnv> {
  const configDir = mkdtempSync(join(tmpdir(), 'phoenix-e2e-'));
  cpSync('examples/homelab', configDir, { recursive: true, filter: (src) => !src.includes('.phoenix') });
  const loaded = await loadConfig(configDir);
  const topology = simTopology(loaded.config);
  const sim = await startTestSimulator({
    nodes: [...topology.nodes, ...(options.extraNodes ?? []).map((name) => ({ name, cores: 16, memoryMiB: 65536 }))],
    storages: topology.storages as never,
    speed: options.speed ?? 0.002,
    seed: options.seed ?? 7,
    faults: options.faults,
    ...(options.osTemplates ? { modelOptions: { templates: options.osTemplates } } : {}),
  });
  const eq = sim.token.lastIndexOf('=');
  const tokenSecret = sim.token.slice(eq + 1);
  const endpoint = { url: sim.url, tokenId: sim.tokenId, tokenSecret };
  return {
    sim,
    configDir,
    tokenSecret,
    open: () => createPhoenix({ configDir, endpoint, taskTimeoutMs: 60_000 }),
    mutating: (since = 0) =>
      sim.requests
        .slice(since)
        .filter((r) => r.method !== 'GET')
        .map((r) => ({ method: r.method, path: r.path, status: r.status })),
    async cleanup() {
      try {
        await sim.stop();
      } finally {
        rmSync(configDir, { recursive: true, force: true });
      }
    },
  };
}
