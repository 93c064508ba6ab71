/**
 * The daemon with a node down (issue 16): like `phoenix apply`, it applies what does not depend
 * on the unreachable node and records the run as failed naming the node (history and event);
 * nothing is created in place of the lost node's guests.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createPhoenix } from '../app/create-phoenix.ts';
import { simTopology } from '../app/sim-topology.ts';
import { loadConfig } from '../config/index.ts';
import { startTestSimulator, type TestSimulator } from '../sim/testing.ts';
import { openStateStore, type StateStore } from '../state/index.ts';
import { EventBus, type DaemonEvent } from './event-bus.ts';
import { Reconciler } from './reconciler.ts';
import { gitSource } from './source.ts';
import { makeTestRepo, type TestRepo } from './_test-git.ts';

function guest(id: number, node: string, memory: number): string {
  return `
  - id: ${id}
    name: ct-${id}
    type: lxc
    node: ${node}
    template: debian-12
    memory: ${memory}
    disk: { storage: local-zfs, size: 4 }
    net: [{ name: eth0, bridge: vmbr0, ip: 10.20.0.${id - 180}/24 }]`;
}

function config(memory: number): string {
  return `version: 1
cluster:
  nodes:
    - { name: pve1, cores: 16, memory: 65536 }
    - { name: pve2, cores: 16, memory: 65536 }
network:
  bridges:
    - { name: vmbr0, cidr: 10.20.0.1/24 }
storage:
  - { id: local, type: dir, path: /var/lib/vz, content: [vztmpl, iso, backup, snippets, import] }
  - { id: local-zfs, type: zfspool, pool: rpool/data, content: [images, rootdir] }
templates:
  - { name: debian-12, kind: lxc, storage: local, file: debian-12-standard_12.7-1_amd64.tar.zst }
guests:${guest(201, 'pve1', memory)}${guest(202, 'pve2', memory)}
`;
}

let sim: TestSimulator | undefined;
let repo: TestRepo | undefined;
let store: StateStore | undefined;
let reconciler: Reconciler | undefined;
let dir: string | undefined;
afterEach(async () => {
  await reconciler?.stop();
  store?.close();
  await sim?.stop();
  repo?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
  sim = repo = store = reconciler = dir = undefined;
});

describe('reconciler with a node down', () => {
  it('applies what does not depend on it and records the run as failed naming the node', async () => {
    dir = mkdtempSync(join(tmpdir(), 'phoenix-gitops-node-'));
    writeFileSync(join(dir, 'phoenix.yaml'), config(512));
    const topology = simTopology((await loadConfig(dir)).config);
    sim = await startTestSimulator({ nodes: topology.nodes, storages: topology.storages as never, speed: 0.002 });
    repo = await makeTestRepo({ files: { 'env/phoenix.yaml': config(512) } });
    const endpoint = {
      url: sim.url,
      tokenId: sim.tokenId,
      tokenSecret: sim.token.slice(sim.token.lastIndexOf('=') + 1),
    };
    const statePath = join(dir, 'state.db');
    store = openStateStore(statePath);
    const bus = new EventBus();
    const events: DaemonEvent[] = [];
    bus.subscribe((e) => events.push(e));
    reconciler = new Reconciler({
      source: gitSource({ url: repo.bare, branch: 'main', path: 'env', workDir: join(dir, 'source') }),
      store,
      bus,
      openPhoenix: (configDir, identity) =>
        createPhoenix({ configDir, identity, statePath, endpoint, taskTimeoutMs: 30_000 }),
      intervalsMs: { poll: 3_600_000, selfHeal: 3_600_000, leaseRetry: 3_600_000, certificates: 3_600_000 },
    });
    expect((await reconciler.start())?.outcome).toBe('succeeded');

    sim.control.apply('node-offline', { node: 'pve2' });
    await repo.commit({ 'env/phoenix.yaml': config(768) });
    const since = sim.requests.length;
    const run = await reconciler.trigger('poll');
    expect(run?.outcome).toBe('failed');
    expect(run?.message, JSON.stringify(run?.errors)).toContain('node pve2 unreachable');
    expect(run?.errors.map((e) => e.code)).toContain('E_NODE_UNREACHABLE');
    expect(run?.resources).toEqual([expect.objectContaining({ address: 'guest.201', outcome: 'updated' })]);
    // The reachable node's guest was changed; nothing was sent to the lost node or created.
    const res = await sim.api('GET', '/nodes/pve1/lxc/201/config');
    expect((res.body?.data as { memory?: number }).memory).toBe(768);
    const mutating = sim.requests.slice(since).filter((r) => r.method !== 'GET');
    expect(mutating.filter((r) => r.path.includes('pve2') || /\/lxc$/.test(r.path))).toEqual([]);
    // History and event name the node.
    expect(store.gitops.runs.get(run!.id)).toMatchObject({ outcome: 'failed' });
    const recorded = store.events.list({ limit: 50 }).filter((e) => e.type === 'node.unreachable');
    expect(recorded).toEqual([expect.objectContaining({ runId: run!.id, level: 'error' })]);
    expect(recorded[0]?.message).toContain('pve2');
    expect(events.find((e) => e.type === 'run.finished' && e.data.id === run!.id)?.data).toMatchObject({
      outcome: 'failed',
      message: expect.stringContaining('node pve2 unreachable') as string,
    });
  });
});
