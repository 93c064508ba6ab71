/**
 * Test-only: a real git repository holding a small config (`__fixtures__/small`), a simulator
 * over HTTP on loopback with its topology, and a state file — what the gitops and server tests
 * build on.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPhoenix, type Phoenix } from '../app/create-phoenix.ts';
import type { EnvironmentIdentity } from '../app/environment-id.ts';
import { simTopology } from '../app/sim-topology.ts';
import { loadConfig } from '../config/index.ts';
import { startTestSimulator, type TestSimulator } from '../sim/testing.ts';
import { makeTestRepo, type TestRepo } from './_test-git.ts';

export const FIXTURE = new URL('./__fixtures__/small/', import.meta.url).pathname;

export interface GitopsTestEnv {
  repo: TestRepo;
  sim: TestSimulator;
  dir: string;
  statePath: string;
  tokenSecret: string;
  openPhoenix(configDir: string, identity?: EnvironmentIdentity): Promise<Phoenix>;
  /** The fixture's phoenix.yaml with `edit` applied, committed to the repo. */
  commitConfig(edit: (yaml: string) => string, message?: string): Promise<string>;
  memoryOf(vmid: number): Promise<number | undefined>;
  mutating(since?: number): { method: string; path: string }[];
  cleanup(): Promise<void>;
}

export async function startGitopsEnv(options: { gitops?: string } = {}): Promise<GitopsTestEnv> {
  const base = readFileSync(join(FIXTURE, 'phoenix.yaml'), 'utf8') + (options.gitops ?? '');
  const repo = await makeTestRepo({ files: { 'env/phoenix.yaml': base } });
  const loaded = await loadConfig(FIXTURE);
  const topology = simTopology(loaded.config);
  const sim = await startTestSimulator({ nodes: topology.nodes, storages: topology.storages as never, speed: 0.002 });
  const dir = mkdtempSync(join(tmpdir(), 'phoenix-gitops-'));
  const tokenSecret = sim.token.slice(sim.token.lastIndexOf('=') + 1);
  const endpoint = { url: sim.url, tokenId: sim.tokenId, tokenSecret };
  let current = base;
  return {
    repo,
    sim,
    dir,
    statePath: join(dir, 'state.db'),
    tokenSecret,
    openPhoenix: (configDir, identity) =>
      createPhoenix({ configDir, identity, statePath: join(dir, 'state.db'), endpoint, taskTimeoutMs: 30_000 }),
    commitConfig: (edit, message) => {
      current = edit(current);
      return repo.commit({ 'env/phoenix.yaml': current }, message);
    },
    async memoryOf(vmid) {
      const res = await sim.api('GET', `/nodes/pve/lxc/${vmid}/config`);
      return res.status === 200 ? Number((res.body?.data as { memory?: number }).memory) : undefined;
    },
    mutating: (since = 0) =>
      sim.requests
        .slice(since)
        .filter((r) => r.method !== 'GET')
        .map((r) => ({ method: r.method, path: r.path })),
    async cleanup() {
      try {
        await sim.stop();
      } finally {
        repo.cleanup();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
