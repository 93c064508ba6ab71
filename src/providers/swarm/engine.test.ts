/**
 * `swarm.engine` on a simulated VM through the real SSH path: Docker installed from the
 * declared package, daemon.json with TLS on 2376 and client certificates required, the unit's
 * `-H fd://` removed, the server key kept at 0600; a second converge is a no-op; a hand edit
 * that would drop `tlsverify` is drift, reverted with a restart. A daemon.json setting that
 * would reopen the listeners is a config error, before anything is contacted.
 */
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DockerClient } from '../../clients/docker/client.ts';
import { PhoenixConfig } from '../../config/schema.ts';
import { applyContext, converge, startSimFixture, type SimFixture } from '../node/_sim-fixture.ts';
import { DOCKER_TLS, deriveSwarm } from './derive.ts';
import { DAEMON_JSON, DOCKER_DROP_IN, ENGINE_KIND, engineHandler, type EngineDesired } from './engine.ts';
import { NoopHook } from '../../engine/hook.ts';

const config = (daemon: Record<string, unknown> = {}) =>
  PhoenixConfig.parse({
    version: 1,
    cluster: { domain: 'home.arpa', nodes: [{ name: 'pve', address: '10.0.0.2' }] },
    guests: [
      {
        id: 1001,
        name: 'manager',
        type: 'vm',
        node: 'pve',
        role: 'swarm-manager',
        net: [{ name: 'net0', bridge: 'vmbr0', ip: '10.0.0.21/24' }],
      },
    ],
    platform: { swarm: { engine: { package: 'docker.io', daemon } } },
  });

let sim: SimFixture;
beforeAll(async () => {
  sim = await startSimFixture({ 1001: 'qemu' });
});
afterAll(async () => {
  await sim?.close();
});

describe('swarm.engine', () => {
  const inGuest = (path: string) => join(sim.dataDir, 'guests', '1001', 'root', path);
  const meta = () =>
    JSON.parse(readFileSync(join(sim.dataDir, 'guests', '1001', 'meta.json'), 'utf8')) as {
      packages: string[];
      services: Record<string, { active: boolean; enabled: boolean; restarts: number }>;
    };

  it('installs Docker with a TLS-only API, then does nothing, then reverts a hand edit with a restart', async () => {
    const resource = deriveSwarm(config({ 'log-driver': 'journald' })).find((r) => r.kind === ENGINE_KIND)! as {
      address: string;
      kind: string;
      desired: EngineDesired;
      dependsOn: string[];
    };
    const handler = engineHandler(sim.shells, () => ({}) as DockerClient);
    // The pki provider has put the server key there, too open (as the old scripts left it).
    mkdirSync(dirname(inGuest(DOCKER_TLS.key)), { recursive: true });
    writeFileSync(inGuest(DOCKER_TLS.key), 'KEY');
    chmodSync(inGuest(DOCKER_TLS.key), 0o644);

    expect(await converge(handler, resource)).toBe('create');
    expect(meta().packages).toContain('docker.io');
    expect(meta().services.docker).toMatchObject({ active: true, enabled: true });
    const json = JSON.parse(readFileSync(inGuest(DAEMON_JSON), 'utf8'));
    expect(json).toEqual({
      'log-driver': 'journald',
      hosts: ['unix:///var/run/docker.sock', 'tcp://0.0.0.0:2376'],
      tls: true,
      tlsverify: true,
      tlscacert: DOCKER_TLS.ca,
      tlscert: DOCKER_TLS.cert,
      tlskey: DOCKER_TLS.key,
    });
    expect(readFileSync(inGuest(DOCKER_DROP_IN), 'utf8')).toMatch(/^ExecStart=\n/m);
    expect(readFileSync(inGuest(DOCKER_DROP_IN), 'utf8')).not.toMatch(/-H /);
    expect(statSync(inGuest(DOCKER_TLS.key)).mode & 0o777).toBe(0o600);

    expect(await converge(handler, resource)).toBe('noop');

    const restarts = meta().services.docker!.restarts;
    writeFileSync(inGuest(DAEMON_JSON), JSON.stringify({ ...json, tlsverify: false }));
    const observed = (await handler.observe({ resource, ctx: applyContext() })).observed;
    const diff = await handler.diff({ resource, observed });
    expect(diff.action).toBe('update');
    expect(diff.requiresRestart).toBe(true);
    expect(await converge(handler, resource)).toBe('update');
    expect(JSON.parse(readFileSync(inGuest(DAEMON_JSON), 'utf8')).tlsverify).toBe(true);
    expect(meta().services.docker!.restarts).toBe(restarts + 1);
  });

  it('is healthy only when the Docker API answers with the client certificate', async () => {
    const resource = deriveSwarm(config()).find((r) => r.kind === ENGINE_KIND)! as { desired: EngineDesired };
    const refused = engineHandler(
      sim.shells,
      () => ({ info: () => Promise.reject(new Error('tls: bad certificate')) }) as unknown as DockerClient,
    );
    const ctx = { signal: new AbortController().signal, hook: new NoopHook() };
    expect(await refused.health!({ resource: resource as never, ctx })).toMatchObject({
      status: 'pending',
      message: expect.stringContaining('tls: bad certificate'),
    });
    const answering = engineHandler(sim.shells, () => ({ info: () => Promise.resolve({}) }) as unknown as DockerClient);
    expect(await answering.health!({ resource: resource as never, ctx })).toEqual({ status: 'healthy' });
  });

  it('refuses daemon.json settings that would reopen the API, as a config error', () => {
    expect(() => deriveSwarm(config({ hosts: ['tcp://0.0.0.0:2375'] }))).toThrow(
      expect.objectContaining({
        code: 'E_SWARM_CONFIG',
        message: expect.stringMatching(/hosts is managed by Phoenix/),
      }),
    );
    expect(() => deriveSwarm(config({ tlsverify: false }))).toThrow(
      expect.objectContaining({ code: 'E_SWARM_CONFIG' }),
    );
  });
});
