import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimDocker, type SimDockerServer } from './engine.ts';

function call(
  socketPath: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path, headers: { 'Content-Type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : undefined });
      });
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

describe('simulated Docker Engine: the real error texts', () => {
  let dir: string;
  let sim: SimDockerServer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'phoenix-simdocker-'));
    sim = await startSimDocker(join(dir, 'd.sock'));
  });
  afterAll(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 with the daemon text before swarm init, then 200', async () => {
    expect(await call(sim.socketPath, 'GET', '/v1.41/services')).toEqual({
      status: 503,
      json: { message: expect.stringMatching(/^This node is not a swarm manager/) },
    });
    expect(
      (
        await call(sim.socketPath, 'POST', '/v1.41/swarm/init', {
          ListenAddr: '0.0.0.0:2377',
          AdvertiseAddr: '127.0.0.1',
        })
      ).status,
    ).toBe(200);
    expect(await call(sim.socketPath, 'GET', '/v1.41/services')).toEqual({ status: 200, json: [] });
  });

  it('refuses a name conflict, an out-of-sequence update and removing a secret in use', async () => {
    const secret = await call(sim.socketPath, 'POST', '/v1.41/secrets/create', { Name: 's1', Data: 'eA==' });
    expect(secret.status).toBe(201);
    expect((await call(sim.socketPath, 'POST', '/v1.41/secrets/create', { Name: 's1', Data: 'eA==' })).status).toBe(
      409,
    );
    const secretId = (secret.json as { ID: string }).ID;
    const spec = {
      Name: 'web',
      TaskTemplate: { ContainerSpec: { Image: 'x:1', Secrets: [{ SecretID: secretId, SecretName: 's1' }] } },
      Mode: { Replicated: { Replicas: 1 } },
    };
    const created = await call(sim.socketPath, 'POST', '/v1.41/services/create', spec);
    expect(created.status).toBe(201);
    const stale = await call(
      sim.socketPath,
      'POST',
      `/v1.41/services/${(created.json as { ID: string }).ID}/update?version=1`,
      spec,
    );
    expect(stale).toEqual({
      status: 500,
      json: { message: 'rpc error: code = Unknown desc = update out of sequence' },
    });
    const inUse = await call(sim.socketPath, 'DELETE', `/v1.41/secrets/${secretId}`);
    expect(inUse.status).toBe(400);
    expect((inUse.json as { message: string }).message).toMatch(/secret 's1' is in use by the following service: web/);
    // The secret's data is never listed back.
    const listed = (await call(sim.socketPath, 'GET', '/v1.41/secrets')).json as { Spec: Record<string, unknown> }[];
    expect(listed[0]!.Spec).toEqual({ Name: 's1' });
  });
});
