/**
 * Portainer on examples/homelab with the built-in simulator: the Swarm manager 1001 has a
 * (simulated) Docker Engine in Swarm mode — formed here as the swarm provider would, with the
 * Portainer images present — and the simulated Portainer answers once its server task runs.
 * Apply deploys the Portainer stack (admin password through a Docker secret), waits for the
 * status endpoint, initialises the administrator, creates Phoenix's API key (kept encrypted),
 * and registers the Swarm as an agent environment verified against the internal root. Every
 * request was allowed by the OpenAPI document; the second apply makes no mutating Portainer or
 * Docker call; the password and API key appear in no output, plan, state database or event.
 */
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPhoenix, type Phoenix } from '../../src/app/create-phoenix.ts';
import { applyPlan, planEnvironment } from '../../src/app/operations.ts';
import { environmentStatus, statusDocument } from '../../src/app/status.ts';
import { DockerClient } from '../../src/clients/docker/client.ts';
import { startSimDocker, type SimDockerServer } from '../../src/sim/docker/engine.ts';

const PASSWORD = 'portainer-admin-canary-93c1e7';
const ROTATED = 'portainer-rotated-canary-5b2d08';
let password = PASSWORD;
const DATA = 'guests/1001/root/var/lib/docker/volumes/portainer_portainer_data/_data/phoenix-sim-portainer.json';

let dir = '';
let docker: SimDockerServer;
let client: DockerClient;
const outputs: string[] = [];

interface SimData {
  requests: string[];
  rejected: { request: string; problems: string[] }[];
  environments: {
    Name: string;
    Type: number;
    URL: string;
    TLSConfig: { TLS: boolean; TLSSkipVerify: boolean };
    caPem?: string;
  }[];
  keys: unknown[];
}
const simData = (): SimData =>
  JSON.parse(readFileSync(join(dir, '.phoenix', 'simulator.json.d', DATA), 'utf8')) as SimData;

function open(): Promise<Phoenix> {
  return createPhoenix({
    configDir: dir,
    simulator: { speed: 0 },
    env: { ...process.env, PHOENIX_PORTAINER_PASSWORD: password },
    swarm: {
      docker: (vmid) => {
        if (vmid !== 1001) throw new Error(`no Docker Engine for ${vmid} in this test`);
        return client;
      },
    },
  });
}

async function applyOnce(): Promise<{ changes: string[]; succeeded: boolean }> {
  const p = await open();
  try {
    const planned = await planEnvironment(p);
    outputs.push(JSON.stringify(planned.plan));
    const changes = planned.plan.changes.filter((c) => c.action !== 'noop').map((c) => `${c.address}:${c.action}`);
    const result = await applyPlan(p, planned);
    outputs.push(JSON.stringify([...result.outcomes.entries()]));
    return { changes, succeeded: result.succeeded };
  } finally {
    await p.close();
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'phoenix-portainer-up-'));
  cpSync('examples/homelab', dir, { recursive: true, filter: (src) => !src.includes('.phoenix') });
  docker = await startSimDocker(join(dir, 'docker-1001.sock'), { hostname: 'portainer', taskStartMs: 20 });
  // What the swarm provider and a registry pull would have done on the manager.
  docker.engine.images.add('portainer/portainer-ce:2.21.4');
  docker.engine.images.add('portainer/agent:2.21.4');
  client = new DockerClient({ socketPath: docker.socketPath });
  await client.swarmInit('0.0.0.0:2377', '10.10.0.11');
});
afterAll(async () => {
  await docker?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Portainer on the simulated Swarm manager', () => {
  it('apply deploys the stack, initialises Portainer, keeps an API key, registers the Swarm; all requests conform', async () => {
    const first = await applyOnce();
    expect(first.changes).toEqual(
      expect.arrayContaining(['portainer.server:create', 'portainer.environment.swarm:create']),
    );
    expect(first.succeeded).toBe(true);
    const services = await client.listServices({ label: ['com.docker.stack.namespace=portainer'] });
    expect(services.map((s) => s.Spec.Name).sort()).toEqual(['portainer_agent', 'portainer_portainer']);
    const server = services.find((s) => s.Spec.Name === 'portainer_portainer')!;
    expect(server.Spec.TaskTemplate.ContainerSpec.Args).toEqual(
      expect.arrayContaining(['--admin-password-file', '/run/secrets/admin_password']),
    );
    expect(JSON.stringify(server.Spec)).not.toContain('tlsskipverify');
    const secrets = await client.listSecrets();
    expect(secrets.map((s) => s.Spec.Name)).toEqual([expect.stringMatching(/^portainer_admin_password_[0-9a-f]{12}$/)]);

    const data = simData();
    expect(data.rejected).toEqual([]);
    expect(data.environments).toHaveLength(1);
    expect(data.environments[0]).toMatchObject({
      Name: 'swarm',
      Type: 2,
      URL: 'tcp://10.10.0.11:9001',
      TLSConfig: { TLS: true, TLSSkipVerify: false },
    });
    const root = readFileSync(
      join(dir, '.phoenix', 'simulator.json.d', 'guests', '103', 'root', 'etc', 'step-ca', 'certs', 'root_ca.crt'),
      'utf8',
    );
    expect(data.environments[0]!.caPem).toBe(root);
    expect(data.requests).toEqual(
      expect.arrayContaining([
        'GET /api/system/status',
        'POST /api/users/admin/init',
        'POST /api/auth',
        'POST /api/users/1/tokens',
        'POST /api/endpoints',
      ]),
    );
  }, 180_000);

  it('the second apply changes nothing: no mutating Portainer or Docker call', async () => {
    const before = simData().requests.length;
    client.resetStats();
    const second = await applyOnce();
    expect(second.changes).toEqual([]);
    expect(second.succeeded).toBe(true);
    const portainerRequests = simData().requests.slice(before);
    expect(portainerRequests.filter((r) => !r.startsWith('GET '))).toEqual([]);
    expect(client.stats.mutating).toBe(0);
    // Bench figure (reported): Portainer requests of a no-op apply.
    console.log(
      `no-op apply (plan + verifying plan): ${portainerRequests.length} Portainer request(s) ` +
        `(${portainerRequests.join(', ')}); Docker: ${client.stats.total} call(s), ${client.stats.mutating} mutating`,
    );
    expect(portainerRequests.length).toBeLessThanOrEqual(2);
  }, 120_000);

  it('status: Portainer up and the environment registered', async () => {
    const p = await open();
    try {
      const status = await environmentStatus(p);
      const rows = status.rows.filter((r) => r.address.startsWith('portainer.'));
      outputs.push(JSON.stringify(statusDocument(status)));
      expect(rows.map((r) => [r.address, r.sync, r.health])).toEqual([
        ['portainer.server', 'in sync', 'healthy'],
        ['portainer.environment.swarm', 'in sync', 'healthy'],
      ]);
      expect(JSON.stringify(rows[1])).toMatch(/registered \(id 1\)/);
      expect(JSON.stringify(rows[0])).toContain('portainer/portainer-ce:2.21.4');
    } finally {
      await p.close();
    }
  }, 60_000);

  it('an environment removed in Portainer by hand is registered again; a revoked API key is replaced', async () => {
    const file = join(dir, '.phoenix', 'simulator.json.d', DATA);
    const edit = (fn: (d: SimData & Record<string, unknown>) => void) => {
      const data = JSON.parse(readFileSync(file, 'utf8')) as SimData & Record<string, unknown>;
      fn(data);
      writeFileSync(file, JSON.stringify(data));
    };
    edit((d) => (d.environments = []));
    const drifted = await applyOnce();
    expect(drifted.changes).toEqual(['portainer.environment.swarm:create']);
    expect(drifted.succeeded).toBe(true);
    expect(simData().environments.map((e) => e.Name)).toEqual(['swarm']);
    edit((d) => (d.keys = []));
    const revoked = await applyOnce();
    // The environment itself is still there: a new key is made, nothing is registered twice.
    expect(revoked.changes).toEqual(['portainer.environment.swarm:create']);
    expect(revoked.succeeded).toBe(true);
    expect(simData().environments).toHaveLength(1);
    expect(simData().keys).toHaveLength(1);
    expect(simData().rejected).toEqual([]);
    expect((await applyOnce()).changes).toEqual([]);
  }, 120_000);

  it('a new admin password: a new versioned Docker secret, the service moved to it, the old secret removed', async () => {
    const before = (await client.listSecrets()).map((s) => s.Spec.Name);
    password = ROTATED;
    const rotated = await applyOnce();
    expect(rotated.changes).toEqual(['portainer.server:update']);
    expect(rotated.succeeded).toBe(true);
    const after = (await client.listSecrets()).map((s) => s.Spec.Name);
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe(before[0]);
    const server = (await client.listServices({ label: ['com.docker.stack.namespace=portainer'] })).find(
      (s) => s.Spec.Name === 'portainer_portainer',
    )!;
    expect(JSON.stringify(server.Spec.TaskTemplate.ContainerSpec.Secrets)).toContain(after[0]);
    expect((await applyOnce()).changes).toEqual([]);
  }, 120_000);

  it('canary: the admin password and API key appear in no output, plan, state database or event', async () => {
    const p = await open();
    let apiKey: string;
    try {
      const events = p.state().events.list({ limit: 10_000 });
      outputs.push(JSON.stringify(events));
      apiKey = p
        .state()
        .secrets.get(p.environment, 'portainer.api-key', readFileSync(join(dir, '.phoenix', 'secrets.key')))!;
    } finally {
      await p.close();
    }
    expect(apiKey).toMatch(/^ptr_/);
    for (const text of outputs) {
      for (const secret of [PASSWORD, ROTATED, apiKey]) expect(text).not.toContain(secret);
    }
    const phoenixDir = join(dir, '.phoenix');
    for (const entry of readdirSync(phoenixDir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const path = join(entry.parentPath, entry.name);
      // The guests' own trees hold what runs inside them (Portainer's data volume keeps hashes).
      if (path.includes(join('simulator.json.d', 'guests'))) continue;
      const bytes = readFileSync(path);
      expect(bytes.includes(Buffer.from(PASSWORD)), path).toBe(false);
      expect(bytes.includes(Buffer.from(ROTATED)), path).toBe(false);
      expect(bytes.includes(Buffer.from(apiKey)), path).toBe(false);
    }
    // Portainer's own database keeps a digest of the key, never the key.
    expect(readFileSync(join(dir, '.phoenix', 'simulator.json.d', DATA), 'utf8')).not.toContain(apiKey);
  }, 60_000);
});
