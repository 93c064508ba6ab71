/** Test fixture: a host config, the handlers over an in-process simulator, plan/apply helpers. */
import { createProxmoxClient, type ProxmoxClient } from '../../clients/proxmox/index.ts';
import { startTestSimulator, type TestSimulator } from '../../sim/testing.ts';
import { PhoenixConfig } from '../../config/schema.ts';
import {
  executePlan,
  handlerRegistry,
  isMutating,
  makePlan,
  memoryJournal,
  type ExecuteResult,
  type PlanResult,
} from '../../engine/index.ts';
import { deriveHostResources, HOST_KINDS, hostHandlers, memorySecretSink } from './index.ts';

export const HOST_CONFIG = {
  version: 1,
  cluster: { nodes: [{ name: 'pve' }] },
  network: {
    bridges: [
      { name: 'vmbr0', cidr: '192.168.1.10/24', gateway: '192.168.1.1', ports: ['eno1'], comment: 'LAN uplink' },
      { name: 'vmbr1', cidr: '10.10.0.1/24', vlanAware: true, comment: 'services' },
    ],
  },
  storage: [
    { id: 'local', type: 'dir', path: '/var/lib/vz', content: ['vztmpl', 'iso', 'backup', 'snippets', 'import'] },
    { id: 'tank', type: 'zfspool', pool: 'tank/guests', content: ['images', 'rootdir'] },
    { id: 'nas', type: 'nfs', server: '192.168.1.20', export: '/export/pve', content: ['backup'] },
    { id: 'thin', type: 'lvmthin', vgname: 'pve', thinpool: 'data', content: ['images'] },
  ],
  host: {
    pools: [{ id: 'platform', comment: 'platform guests' }],
    roles: [{ id: 'PhoenixTest', privileges: ['VM.Audit', 'Sys.Audit'] }],
    users: [{ id: 'phoenix@pve', comment: 'GitOps' }],
    tokens: [{ user: 'phoenix@pve', name: 'gitops', secret: 'file:secrets/pve-token' }],
    acl: [{ path: '/', role: 'PhoenixTest', token: 'phoenix@pve!gitops' }],
    firewall: {
      cluster: {
        enabled: true,
        policyIn: 'DROP',
        rules: [
          { type: 'group', group: 'mgmt' },
          { type: 'in', action: 'ACCEPT', proto: 'tcp', dport: 443, source: '+trusted', comment: 'gateway' },
        ],
      },
      nodes: [
        {
          node: 'pve',
          enabled: true,
          rules: [{ type: 'in', action: 'ACCEPT', proto: 'udp', dport: 53, source: 'lan' }],
        },
      ],
      groups: [{ name: 'mgmt', rules: [{ type: 'in', action: 'ACCEPT', proto: 'tcp', dport: 8006, source: 'lan' }] }],
      ipsets: [{ name: 'trusted', cidrs: ['192.168.1.0/24', '10.10.0.0/24'] }],
      aliases: [{ name: 'lan', cidr: '192.168.1.0/24', comment: 'home LAN' }],
    },
  },
};

export interface HostFixture {
  sim: TestSimulator;
  client: ProxmoxClient;
  sink: ReturnType<typeof memorySecretSink>;
  registry: ReturnType<typeof handlerRegistry>;
  plan(config?: unknown, prune?: boolean): Promise<PlanResult>;
  apply(planned: PlanResult): Promise<ExecuteResult & { journal: ReturnType<typeof memoryJournal> }>;
  mutatingRequests(since?: number): string[];
  close(): Promise<void>;
}

export function parseConfig(raw: unknown = HOST_CONFIG): PhoenixConfig {
  return PhoenixConfig.parse(raw);
}

/** The HTTP simulator on 127.0.0.1 (every request checked against the PVE schema). */
export async function startHostFixture(): Promise<HostFixture> {
  const sim = await startTestSimulator({
    nodes: [{ name: 'pve', cores: 16, memoryMiB: 65536 }],
    storages: [
      { storage: 'local', type: 'dir', path: '/var/lib/vz', content: ['vztmpl', 'iso'], capacity: 1e12 },
    ] as never,
    speed: 0.002,
  });
  const client = createProxmoxClient({
    endpoint: sim.url,
    tokenId: sim.tokenId,
    tokenSecret: sim.token.slice(sim.token.lastIndexOf('=') + 1),
  });
  const sink = memorySecretSink();
  const registry = handlerRegistry(hostHandlers({ client, secretSink: sink, taskTimeoutMs: 30_000 }));
  return {
    sim,
    client,
    sink,
    registry,
    plan: (config = HOST_CONFIG, prune = false) =>
      makePlan({ resources: deriveHostResources(parseConfig(config)), registry, kinds: [...HOST_KINDS], prune }),
    async apply(planned) {
      const journal = memoryJournal();
      const result = await executePlan({
        plan: planned.plan,
        resources: planned.resources,
        observations: planned.observations,
        registry,
        journal,
        retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
      });
      return { ...result, journal };
    },
    mutatingRequests: (since = 0) =>
      sim.requests
        .slice(since)
        .filter((r) => r.method !== 'GET')
        .map((r) => `${r.method} ${r.path}`),
    async close() {
      await client.close();
      await sim.stop();
    },
  };
}

export function mutatingChanges(planned: PlanResult): string[] {
  return planned.plan.changes.filter((c) => isMutating(c.action)).map((c) => `${c.action} ${c.address}`);
}
