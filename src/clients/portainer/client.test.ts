import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestCa, type TestCa } from '../../providers/gateway/_test-ca.ts';
import { startSimPortainer, type SimPortainer } from '../../sim/portainer/index.ts';
import { PortainerApiError, PortainerClient } from './client.ts';
import { directDial } from '../dial/dialer.ts';

const PASSWORD = 'canary-admin-pw-4d1f9a2b';

describe('Portainer client against the simulated Portainer (every request checked by the OpenAPI document)', () => {
  let dir: string;
  let ca: TestCa;
  let sim: SimPortainer;
  let client: PortainerClient;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'phoenix-portainer-client-'));
    ca = createTestCa(dir);
    const leaf = ca.issue('portainer', ['portainer.home.arpa'], ['127.0.0.1']);
    sim = await startSimPortainer({ tls: { cert: leaf.fullchain, key: leaf.key } });
    client = new PortainerClient({ host: '127.0.0.1', port: sim.port, ca: ca.root, dial: directDial() });
  });
  afterAll(async () => {
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('admin init, login, API key, agent environment (multipart), status: all conform', async () => {
    expect((await client.status()).Version).toBeTruthy();
    expect(await client.adminExists()).toBe(false);
    await client.adminInit('admin', PASSWORD);
    expect(await client.adminExists()).toBe(true);
    const { jwt, userId } = await client.login('admin', PASSWORD);
    expect(userId).toBe(1);
    const { raw, key } = await client.createApiKey(jwt, userId, 'phoenix', PASSWORD);
    expect(raw).toMatch(/^ptr_/);
    expect(key.id).toBe(1);
    const env = await client.createAgentEnvironment(raw, {
      name: 'swarm',
      url: 'tcp://tasks.portainer_agent:9001',
      caCert: ca.root,
    });
    expect(env).toMatchObject({ Name: 'swarm', Type: 2, TLSConfig: { TLS: true, TLSSkipVerify: false } });
    expect(await client.environmentsNamed(raw, 'swarm')).toHaveLength(1);
    expect(sim.environments()[0]?.caPem).toBe(ca.root);
    // The failing assertion this suite exists for: nothing Phoenix sent was outside the document.
    expect(sim.rejected()).toEqual([]);
    expect(client.stats.calls).toEqual([
      'GET /api/system/status',
      'GET /api/users/admin/check',
      'POST /api/users/admin/init',
      'GET /api/users/admin/check',
      'POST /api/auth',
      'POST /api/users/1/tokens',
      'POST /api/endpoints',
      'GET /api/endpoints',
    ]);
  });

  it('the gatekeeper refuses what the document does not allow: a JSON environment, a missing field', async () => {
    const { jwt } = await client.login('admin', PASSWORD);
    const raw = (await client.createApiKey(jwt, 1, 'second', PASSWORD)).raw;
    const post = (body: string, type: string) =>
      fetchInsecureFree(sim.port, ca.root, '/api/endpoints', body, { 'Content-Type': type, 'X-API-KEY': raw });
    const json = await post(
      JSON.stringify({ Name: 'x', EndpointCreationType: 2, URL: 'tcp://a:9001' }),
      'application/json',
    );
    expect(json.status).toBe(400);
    const form = new FormData();
    form.append('Name', 'y');
    const encoded = new Response(form);
    const missing = await post(
      Buffer.from(await encoded.arrayBuffer()).toString('latin1'),
      encoded.headers.get('content-type')!,
    );
    expect(missing.status).toBe(400);
    const rejected = sim.rejected();
    expect(rejected).toHaveLength(2);
    expect(rejected[0]!.problems.join()).toMatch(/application\/json; the document allows multipart\/form-data/);
    expect(rejected[1]!.problems.join()).toMatch(/EndpointCreationType/);
    expect(sim.environments().map((e) => e.Name)).toEqual(['swarm']);
  });

  it('refuses a server certificate that does not chain to the internal root (no skip-verify exists)', async () => {
    const other = createTestCa(join(dir, 'other'), 'Stranger CA');
    const stranger = new PortainerClient({ host: '127.0.0.1', port: sim.port, ca: other.root, dial: directDial() });
    await expect(stranger.status()).rejects.toThrow(PortainerApiError);
  });

  it("a wrong password is Portainer's 422, with no password in the error", async () => {
    const error = await client.login('admin', 'wrong-password-xyz').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PortainerApiError);
    expect((error as PortainerApiError).status).toBe(422);
    expect(String((error as Error).message)).not.toContain('wrong-password-xyz');
  });
});

/** A raw HTTPS request (verified) for bodies the client would never send. */
async function fetchInsecureFree(
  port: number,
  ca: string,
  path: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number }> {
  const { request } = await import('node:https');
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        ca,
        headers: { ...headers, 'Content-Length': Buffer.byteLength(body, 'latin1') },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
      },
    );
    req.on('error', reject);
    req.end(Buffer.from(body, 'latin1'));
  });
}
