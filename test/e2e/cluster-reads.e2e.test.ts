/**
 * Reads a no-op plan makes over a cluster (issue 16): an OS template file on a storage that
 * `/cluster/resources` marks shared is listed once for all nodes, not once per node; on a
 * node-local storage it is still listed per node (each node has its own copy).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { applyPlan, planEnvironment } from '../../src/app/operations.ts';
import { planHasChanges } from '../../src/engine/index.ts';
import { startCluster, TOKEN_ENV, type ClusterEnv } from './_cluster.ts';
import { createPhoenix } from '../../src/app/create-phoenix.ts';

const NODES = ['pve1', 'pve2', 'pve3'];

function ct(id: number, node: string): string {
  return `
  - id: ${id}
    name: ct-${id}
    type: lxc
    node: ${node}
    template: debian-12
    cores: 1
    memory: 256
    disk: { storage: local-zfs, size: 2 }
    net: [{ name: eth0, bridge: vmbr1, ip: 10.10.0.${id - 3000 + 20}/24, gateway: 10.10.0.1 }]`;
}

function storage(): string {
  return `
  - { id: local, type: dir, path: /var/lib/vz, content: [vztmpl, iso, snippets, import] }
  - { id: tmpl, type: nfs, server: 10.10.0.5, export: /export/tmpl, content: [vztmpl] }
  - { id: local-zfs, type: zfspool, pool: rpool/data, content: [images, rootdir] }`;
}

function template(templateStorage: string): string {
  return `
  - { name: debian-12, kind: lxc, storage: ${templateStorage}, file: debian-12-standard_12.7-1_amd64.tar.zst }`;
}

let env: ClusterEnv | undefined;
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

async function contentReads(templateStorage: string): Promise<string[]> {
  env = await startCluster({
    nodes: NODES,
    storage: storage(),
    templates: template(templateStorage),
    guests: NODES.map((n, i) => ct(3000 + i, n)).join(''),
  });
  const setup = await env.open();
  try {
    const applied = await applyPlan(setup, await planEnvironment(setup), { concurrency: 4 });
    expect(applied.succeeded).toBe(true);
  } finally {
    await setup.close();
  }
  const reads: string[] = [];
  const phoenix = await createPhoenix({
    configDir: env.dir,
    endpoint: { url: env.sim.url, tokenId: env.sim.tokenId, tokenSecret: process.env[TOKEN_ENV]! },
    onRequest: (e) => {
      if (e.method === 'GET' && /\/storage\/[^/]+\/content$/.test(e.path)) reads.push(e.path);
    },
  });
  try {
    const { plan } = await planEnvironment(phoenix);
    expect(planHasChanges(plan)).toBe(false);
  } finally {
    await phoenix.close();
  }
  return reads;
}

describe('template file reads over a cluster', () => {
  it('lists a shared storage once for every node', async () => {
    const reads = await contentReads('tmpl');
    expect(reads).toEqual(['/nodes/pve1/storage/tmpl/content']);
  });

  it('lists a node-local storage on each node', async () => {
    const reads = await contentReads('local');
    expect(reads.sort()).toEqual(NODES.map((n) => `/nodes/${n}/storage/local/content`));
  });
});
