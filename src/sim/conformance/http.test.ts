/** Conformance: wire format, envelope and status codes (spec §1, §3). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSimulator, type TestSimulator } from '../testing.ts';
import { rawRequest, tokenHeader } from './helpers.ts';

let sim: TestSimulator;
beforeAll(async () => {
  sim = await startTestSimulator();
});
afterAll(async () => {
  await sim.stop();
});

describe('wire format', () => {
  it('§1 answers success as {"data": ...} with 200 OK', async () => {
    const res = await sim.api('GET', '/version');
    expect(res.status).toBe(200);
    expect(res.statusText).toBe('OK');
    expect(Object.keys(res.body ?? {})).toEqual(['data']);
    expect(res.body?.data).toMatchObject({ release: '8.4' });
  });

  it("§1 sends pve-api-daemon's headers (Server, Expires = Date, no-cache, JSON content type)", async () => {
    const res = await sim.api('GET', '/version');
    expect(res.headers.get('server')).toBe('pve-api-daemon/3.0');
    expect(res.headers.get('cache-control')).toBe('max-age=0');
    expect(res.headers.get('pragma')).toBe('no-cache');
    expect(res.headers.get('expires')).toBe(res.headers.get('date'));
    expect(res.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    expect(res.headers.get('connection')).toMatch(/keep-alive/i);
  });

  it('§1 closes the connection on every status >= 400', async () => {
    const res = await sim.api('GET', '/nodes/pve/no-such-thing');
    expect(res.status).toBe(501);
    expect(res.headers.get('connection')).toBe('close');
  });

  it('§3 returns 501 "Method \'GET /nodes/pve/foo\' not implemented" for an unknown path', async () => {
    const res = await sim.api('GET', '/nodes/pve/foo');
    expect(res.status).toBe(501);
    expect(res.statusText).toBe("Method 'GET /nodes/pve/foo' not implemented");
    expect(res.body).toEqual({ data: null, message: "Method 'GET /nodes/pve/foo' not implemented\n" });
  });

  it('§3 returns 501 "method \'PATCH\' not available" for an unknown verb', async () => {
    const res = await rawRequest(sim.url, {
      method: 'PATCH',
      path: '/api2/json/version',
      headers: tokenHeader(sim.token),
    });
    expect(res.status).toBe(501);
    expect(res.reason).toBe("method 'PATCH' not available");
  });

  it('§1 returns 501 no such file for a path outside /api2/json (e.g. /api/...)', async () => {
    const res = await rawRequest(sim.url, {
      method: 'GET',
      path: '/api/access/users',
      headers: tokenHeader(sim.token),
    });
    expect(res.status).toBe(501);
    expect(res.reason).toBe("no such file '/api/access/users'");
  });

  it("§1 rejects a body on GET with 501 Unexpected content for method 'GET'", async () => {
    const res = await rawRequest(sim.url, {
      method: 'GET',
      path: '/api2/json/version',
      headers: {
        ...tokenHeader(sim.token),
        'Content-Type': 'application/x-www-form-urlencoded',
        'Content-Length': '3',
      },
      body: 'a=1',
    });
    expect(res.status).toBe(501);
    expect(res.reason).toBe("Unexpected content for method 'GET'");
  });

  it('§1 rejects chunked request bodies with 501', async () => {
    const res = await rawRequest(sim.url, {
      method: 'POST',
      path: '/api2/json/access/users',
      headers: { ...tokenHeader(sim.token), 'Transfer-Encoding': 'chunked' },
      body: 'userid=x@pve',
      chunked: true,
    });
    expect(res.status).toBe(501);
    expect(res.reason).toBe('chunked transfer encoding not supported');
  });

  it('§1 accepts JSON bodies, including JSON booleans', async () => {
    const res = await fetch(`${sim.url}/api2/json/access/users`, {
      method: 'POST',
      headers: { ...tokenHeader(sim.token), 'Content-Type': 'application/json' },
      body: JSON.stringify({ userid: 'json@pve', enable: true, comment: 'from json' }),
    });
    expect(res.status).toBe(200);
    const user = await sim.api('GET', '/access/users/json@pve');
    expect(user.body?.data).toMatchObject({ enable: 1, comment: 'from json' });
  });

  it('§1 lets query parameters override body keys', async () => {
    const res = await fetch(`${sim.url}/api2/json/access/users?comment=from-query`, {
      method: 'POST',
      headers: tokenHeader(sim.token),
      body: new URLSearchParams({ userid: 'qbody@pve', comment: 'from-body' }),
    });
    expect(res.status).toBe(200);
    expect((await sim.api('GET', '/access/users/qbody@pve')).body?.data).toMatchObject({ comment: 'from-query' });
  });

  it('§1 drops the _dc cache-buster parameter', async () => {
    const res = await sim.api('GET', '/version', { _dc: '1721807555123' });
    expect(res.status).toBe(200);
  });

  it('§1 rejects a parameter that conflicts with the URI (duplicate parameter)', async () => {
    sim.allowInvalid({ method: 'GET', path: '/nodes/pve/status', param: 'node' });
    const res = await sim.api('GET', '/nodes/pve/status', { node: 'other' });
    expect(res.status).toBe(400);
    expect(res.body?.errors).toEqual({ node: 'duplicate parameter (already defined in URI) with conflicting values!' });
  });

  it('§1 URL-decodes path segments (a percent-encoded UPID)', async () => {
    const created = await sim.api('POST', '/nodes/pve/lxc', {
      vmid: 150,
      ostemplate: 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst',
      rootfs: 'local-lvm:4',
    });
    const upid = String(created.body?.data);
    expect(upid).toMatch(/^UPID:pve:/);
    const status = await sim.api('GET', `/nodes/pve/tasks/${encodeURIComponent(upid)}/status`);
    expect(status.status).toBe(200);
    expect(status.body?.data).toMatchObject({ upid });
  });

  it('§1 turns repeated form keys into an array (joined for a *-list format)', async () => {
    await sim.api('POST', '/access/users', { userid: 'multi@pve' });
    const res = await sim.api('PUT', '/access/acl', {
      path: '/vms',
      roles: ['PVEAuditor', 'PVEVMUser'],
      users: 'multi@pve',
    });
    expect(res.status).toBe(200);
    const acl = (await sim.api('GET', '/access/acl')).body?.data as Array<{ ugid: string; roleid: string }>;
    expect(
      acl
        .filter((e) => e.ugid === 'multi@pve')
        .map((e) => e.roleid)
        .sort(),
    ).toEqual(['PVEAuditor', 'PVEVMUser']);
  });

  it('§3 answers void methods with {"data": null}', async () => {
    const res = await sim.api('PUT', '/access/acl', { path: '/', roles: 'PVEAuditor', users: 'multi@pve' });
    expect(res.body).toEqual({ data: null });
  });

  it('§3 answers a handler error with 500, the message as reason phrase and in the body', async () => {
    const res = await sim.api('GET', '/nodes/pve/qemu/4242/config');
    expect(res.status).toBe(500);
    expect(res.statusText).toBe("Configuration file 'nodes/pve/qemu-server/4242.conf' does not exist");
    expect(res.body).toEqual({
      data: null,
      message: "Configuration file 'nodes/pve/qemu-server/4242.conf' does not exist\n",
    });
  });

  it('§1 compresses bodies over 1 KiB when the client accepts gzip', async () => {
    const res = await fetch(`${sim.url}/api2/json/access/roles`, {
      headers: { ...tokenHeader(sim.token), 'Accept-Encoding': 'gzip' },
    });
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(((await res.json()) as { data: unknown[] }).data.length).toBeGreaterThan(10);
  });
});

describe('older 8.x error bodies', () => {
  it('§7 can answer errors without "message" like libpve-http-server < 5.2.0', async () => {
    const legacy = await startTestSimulator({ messageInErrorBody: false });
    try {
      const res = await legacy.api('GET', '/nodes/pve/qemu/4242/config');
      expect(res.status).toBe(500);
      expect(res.statusText).toBe("Configuration file 'nodes/pve/qemu-server/4242.conf' does not exist");
      expect(res.body).toEqual({ data: null });
    } finally {
      await legacy.stop();
    }
  });
});
