/**
 * A small multi-node environment for the cluster tests (issue 16): a config directory written
 * from parts (nodes, storages, templates, guests), a schema-validating simulator with those
 * nodes and storages, and the config pointed at it, so the real CLI (`runCli`) and
 * `createPhoenix` both talk to it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPhoenix, type Phoenix } from '../../src/app/create-phoenix.ts';
import { simTopology } from '../../src/app/sim-topology.ts';
import { loadConfig } from '../../src/config/index.ts';
import { startTestSimulator, type TestSimulator } from '../../src/sim/testing.ts';

export interface ClusterEnv {
  dir: string;
  sim: TestSimulator;
  open(): Promise<Phoenix>;
  cleanup(): Promise<void>;
}

export const TOKEN_ENV = 'PHOENIX_CLUSTER_TOKEN';

export interface ClusterConfig {
  nodes: string[];
  /** Extra YAML under `cluster:` (placement). */
  cluster?: string;
  /** `storage:` entries (YAML list items). */
  storage?: string;
  templates: string;
  guests: string;
  host?: string;
}

const DEFAULT_STORAGE = `
  - { id: local, type: dir, path: /var/lib/vz, content: [vztmpl, iso, backup, snippets, import] }
  - { id: local-zfs, type: zfspool, pool: rpool/data, content: [images, rootdir] }`;

export function clusterYaml(c: ClusterConfig): string {
  const nodes = c.nodes.map((n) => `    - { name: ${n}, cores: 16, memory: 65536 }`).join('\n');
  return `version: 1
environment: clustertest
cluster:
  domain: home.arpa
  nodes:
${nodes}
${c.cluster ?? ''}
network:
  bridges:
    - { name: vmbr1, cidr: 10.10.0.1/24 }
storage:${c.storage ?? DEFAULT_STORAGE}
templates:
${c.templates}
guests:
${c.guests}
${c.host ?? ''}`;
}

export async function startCluster(c: ClusterConfig): Promise<ClusterEnv> {
  const dir = mkdtempSync(join(tmpdir(), 'phoenix-cluster-'));
  writeFileSync(join(dir, 'phoenix.yaml'), clusterYaml(c));
  const topology = simTopology((await loadConfig(dir)).config);
  const sim = await startTestSimulator({
    nodes: topology.nodes,
    storages: topology.storages as never,
    speed: 0.002,
    seed: 16,
  });
  const secret = sim.token.slice(sim.token.lastIndexOf('=') + 1);
  process.env[TOKEN_ENV] = secret;
  writeFileSync(
    join(dir, 'phoenix.yaml'),
    `${clusterYaml(c)}\nproxmox:\n  endpoint: ${sim.url}\n  tokenId: "${sim.tokenId}"\n  tokenSecret: env:${TOKEN_ENV}\n`,
  );
  return {
    dir,
    sim,
    open: () =>
      createPhoenix({
        configDir: dir,
        endpoint: { url: sim.url, tokenId: sim.tokenId, tokenSecret: secret },
        taskTimeoutMs: 60_000,
      }),
    async cleanup() {
      try {
        await sim.stop();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

export const UBUNTU_TEMPLATE = `
  - name: ubuntu-noble
    kind: vm
    vmid: 9000
    node: pve1
    storage: local-zfs
    image: { url: https://cloud-images.ubuntu.com/noble/current/noble-server-cloudimg-amd64.img }
    diskSize: 16
    bridge: vmbr1`;

export function vmGuest(id: number, name: string, node: string, extra = ''): string {
  return `
  - id: ${id}
    name: ${name}
    type: vm
    node: ${node}
    clone: { from: 9000 }
    cores: 2
    memory: 4096
    disk: { storage: local-zfs, size: 32 }
    net: [{ name: net0, bridge: vmbr1, ip: 10.10.0.${(id % 200) + 20}/24, gateway: 10.10.0.1 }]${extra}`;
}
