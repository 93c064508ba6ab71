/**
 * The Swarm part of `phoenix up` on the built-in simulator: examples/homelab gets Docker with
 * TLS-only daemon.json on both Swarm VMs, the Swarm formed (manager + worker, one simulated
 * network), and every example stack environment deployed with the labels `docker stack deploy`
 * sets; a second plan (another process's view: the engines' state is read back from disk) has
 * no changes.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/config/__fixtures__/run-cli.ts';

interface EnginesFile {
  swarms: {
    nodes: { hostname: string; Spec: { Role: string } }[];
    services: { Spec: { Name: string; Labels: Record<string, string>; Mode: { Replicated?: { Replicas: number } } } }[];
    tasks: { ServiceID: string; DesiredState: string; Status: { State: string } }[];
  }[];
}

describe('phoenix up: Docker, the Swarm and the stacks on the built-in simulator', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'phoenix-swarm-sim-'));
    cpSync('examples/homelab', dir, { recursive: true, filter: (src) => !src.includes('.phoenix') });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('deploys the example stacks into the Swarm of the simulated VMs, then plans nothing', async () => {
    const up = await runCli(['up', '-c', dir]);
    expect(up.code, up.stderr + up.stdout).toBe(0);
    expect(up.stdout + up.stderr).not.toMatch(/declared, not managed by this version: [^\n]*stacks/);

    const data = join(dir, '.phoenix', 'simulator.json.d');
    const daemon = JSON.parse(
      readFileSync(join(data, 'guests', '1001', 'root', 'etc', 'docker', 'daemon.json'), 'utf8'),
    );
    expect(daemon).toMatchObject({ tls: true, tlsverify: true });
    expect(daemon.hosts).toEqual(['unix:///var/run/docker.sock', 'tcp://0.0.0.0:2376']);

    const engines = JSON.parse(readFileSync(join(data, 'docker', 'engines.json'), 'utf8')) as EnginesFile;
    expect(engines.swarms).toHaveLength(1);
    const swarm = engines.swarms[0]!;
    expect(swarm.nodes.map((n) => `${n.hostname} ${n.Spec.Role}`).sort()).toEqual([
      'portainer manager',
      'worker worker',
    ]);
    const byName = new Map(swarm.services.map((s) => [s.Spec.Name, s]));
    expect([...byName.keys()].sort()).toEqual([
      'portainer_agent',
      'portainer_portainer',
      'whoami-testing_whoami',
      'whoami_whoami',
    ]);
    expect(byName.get('whoami_whoami')!.Spec.Labels['com.docker.stack.namespace']).toBe('whoami');
    expect(byName.get('whoami_whoami')!.Spec.Mode.Replicated?.Replicas).toBe(2);
    // Routed by the gateway (edge.yaml, environment hosts): the labels Traefik's Swarm provider reads.
    expect(byName.get('whoami_whoami')!.Spec.Labels).toMatchObject({
      'traefik.enable': 'true',
      'com.docker.stack.image': 'traefik/whoami:v1.10',
    });
    const routed = (name: string) =>
      Object.keys(byName.get(name)!.Spec.Labels).filter((k) => /^traefik\.http\.services\..*\.server\.scheme$/.test(k));
    expect(routed('whoami_whoami')).toHaveLength(1);
    // The testing environment's host (whoami-test.home.arpa) is routed too; the agent is not.
    expect(routed('whoami-testing_whoami')).toHaveLength(1);
    expect(routed('portainer_agent')).toEqual([]);
    expect(byName.get('whoami-testing_whoami')!.Spec.Mode.Replicated?.Replicas).toBe(1);

    const plan = await runCli(['plan', '-c', dir, '--json']);
    expect(plan.code, plan.stderr).toBe(0);
    const parsed = JSON.parse(plan.stdout) as { summary: Record<string, number>; changes: { action: string }[] };
    expect(parsed.summary).toMatchObject({ add: 0, change: 0, destroy: 0 });
    // Portainer's stack is the portainer provider's: never listed as a stranger's stack.
    expect(plan.stdout).not.toContain('stack.portainer');
  }, 180_000);
});
