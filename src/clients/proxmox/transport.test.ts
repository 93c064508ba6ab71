import { createServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakePve, type FakeAnswer, type FakePve, type FakeRequest } from './_fake-pve.ts';
import { createProxmoxClient, type ProxmoxClient } from './client.ts';
import { ProxmoxApiError, isAlreadyExists, isLockError, isNotFound } from './errors.ts';
import type { RequestEvent } from './types.ts';

const SECRET = '0c9a1f7e-5b1d-4c6e-9f00-aabbccddeeff';
let fake: FakePve | undefined;
let client: ProxmoxClient | undefined;
let delays: number[] = [];
let events: RequestEvent[] = [];

async function setup(
  handler: (req: FakeRequest, i: number) => FakeAnswer,
  extra: { maxConnections?: number; maxAttempts?: number } = {},
) {
  fake = await startFakePve(handler);
  delays = [];
  events = [];
  client = createProxmoxClient({
    endpoint: fake.url,
    tokenId: 'phoenix@pve!deploy',
    tokenSecret: SECRET,
    maxConnections: extra.maxConnections,
    retry: { maxAttempts: extra.maxAttempts ?? 4, baseDelayMs: 10 },
    sleep: async (ms) => void delays.push(ms),
    random: () => 0.5,
    onRequest: (e) => events.push(e),
  });
  return { fake, client };
}

afterEach(async () => {
  await client?.close();
  await fake?.close();
  client = undefined;
  fake = undefined;
});

describe('wire format', () => {
  it('sends the token header, form bodies with 0/1 booleans and encoded path segments', async () => {
    // (the rules read validates its answer: a list; every other request gets the UPID)
    const { fake, client } = await setup((req) => ({
      data: req.path.endsWith('/firewall/rules')
        ? []
        : 'UPID:pve:0003A1F2:0102B3C4:66A1B2C3:vzcreate:101:phoenix@pve!deploy:',
    }));
    await client.lxc.create('pve', { vmid: 101, unprivileged: true, start: false, hostname: 'web 1' }, {});
    // (the fake answers every request with the UPID; taskStatus validates its answer, so read the log)
    await client.cluster.taskLog('pve', 'UPID:pve:0003A1F2:0102B3C4:66A1B2C3:vzcreate:101:phoenix@pve!deploy:');
    await client.firewall.rules({ level: 'guest', node: 'pve', kind: 'lxc', vmid: 101 });
    const [create, status, rules] = fake.requests;
    expect(create?.headers.authorization).toBe(`PVEAPIToken=phoenix@pve!deploy=${SECRET}`);
    expect(create?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(create?.method).toBe('POST');
    expect(create?.path).toBe('/nodes/pve/lxc');
    expect(Object.fromEntries(create?.body ?? [])).toEqual({
      vmid: '101',
      unprivileged: '1',
      start: '0',
      hostname: 'web 1',
    });
    expect(status?.path).toBe(
      '/nodes/pve/tasks/UPID:pve:0003A1F2:0102B3C4:66A1B2C3:vzcreate:101:phoenix@pve!deploy:/log',
    );
    expect(rules?.path).toBe('/nodes/pve/lxc/101/firewall/rules');
  });

  it('puts DELETE and GET parameters in the query string and repeats array keys', async () => {
    const { fake, client } = await setup(() => ({ data: { pid: 7 } }));
    await client.lxc.destroy('pve', 101, { purge: true });
    await client.qemu.agentExec('pve', 1001, ['ls', '-la']);
    expect(fake.requests[0]?.query.get('purge')).toBe('1');
    expect(fake.requests[0]?.body.toString()).toBe('');
    expect(fake.requests[1]?.body.getAll('command')).toEqual(['ls', '-la']);
  });
});

describe('errors', () => {
  it('captures status, message and per-parameter errors of a 400', async () => {
    const { client } = await setup(() => ({
      status: 400,
      message: 'Parameter verification failed.',
      errors: { onboot: "type check ('boolean') failed - got 'true'" },
    }));
    const error = await client.lxc.updateConfig('pve', 101, { onboot: 'true' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProxmoxApiError);
    const e = error as ProxmoxApiError;
    expect(e.status).toBe(400);
    expect(e.apiMessage).toBe('Parameter verification failed.');
    expect(e.reason).toBe('Parameter verification failed.');
    expect(e.errors).toEqual({ onboot: "type check ('boolean') failed - got 'true'" });
    expect(e.method).toBe('PUT');
    expect(e.path).toBe('/nodes/pve/lxc/101/config');
    expect(e.message).toContain('onboot: type check');
  });

  it('falls back to the reason phrase when the body is empty (older PVE, 401)', async () => {
    const { client } = await setup(() => ({ status: 500, message: 'CT is locked (disk)', emptyBody: true }));
    const e = (await client.lxc.status('pve', 101).catch((x: unknown) => x)) as ProxmoxApiError;
    expect(e.apiMessage).toBe('CT is locked (disk)');
    expect(isLockError(e)).toBe(true);
  });

  it('never shows the token secret, even when the server echoes it', async () => {
    const { client } = await setup(() => ({
      status: 401,
      message: `Authentication failed! token ${SECRET}`,
      errors: { x: SECRET },
    }));
    const e = (await client.cluster.version().catch((x: unknown) => x)) as ProxmoxApiError;
    expect(e.status).toBe(401);
    expect(`${e.message} ${JSON.stringify(e)} ${e.hint}`).not.toContain(SECRET);
    expect(e.hint).toMatch(/token/);
  });

  it('classifies PVE missing-guest and duplicate answers', async () => {
    const { client } = await setup((req) =>
      req.path.endsWith('/config')
        ? { status: 500, message: "Configuration file 'nodes/pve/lxc/999.conf' does not exist" }
        : { status: 500, message: "CT 101 already exists on node 'pve'" },
    );
    const missing = await client.lxc.config('pve', 999).catch((x: unknown) => x);
    const dup = await client.lxc.create('pve', { vmid: 101 }).catch((x: unknown) => x);
    expect(isNotFound(missing)).toBe(true);
    expect(isAlreadyExists(missing)).toBe(false);
    expect(isAlreadyExists(dup)).toBe(true);
    expect(isNotFound(dup)).toBe(false);
  });

  it('refuses an unsafe setup with a clear error', () => {
    const base = { tokenId: 'a@pve!tf', tokenSecret: SECRET };
    expect(() => createProxmoxClient({ ...base, endpoint: 'http://pve.example.net:8006' })).toThrow(/unencrypted/);
    expect(() => createProxmoxClient({ ...base, endpoint: 'https://x:8006', tokenId: 'root' })).toThrow(/token id/);
    expect(() => createProxmoxClient({ ...base, endpoint: 'ftp://x' })).toThrow(/scheme/);
    expect(() => createProxmoxClient({ ...base, endpoint: 'https://x:8006', tls: { fingerprint: 'AB:CD' } })).toThrow(
      /fingerprint/,
    );
  });
});

describe('retries', () => {
  function failThen(n: number, failure: FakeAnswer) {
    return (_req: FakeRequest, i: number): FakeAnswer => (i < n ? failure : { data: 'ok' });
  }

  it('retries a GET on 500, 596 and connection reset with growing backoff', async () => {
    for (const failure of [
      { status: 500, message: 'internal' },
      { status: 596, message: 'Connection timed out' },
      { destroy: true } as const,
    ]) {
      const { fake, client } = await setup(failThen(2, failure));
      await expect(client.cluster.nodeStatus('pve')).resolves.toBe('ok');
      expect(fake.requests).toHaveLength(3);
      expect(delays).toEqual([8, 15]);
      expect(events.map((e) => e.attempt)).toEqual([1, 2, 3]);
      await client.close();
      await fake.close();
    }
  });

  it('never blindly retries a create/clone POST whose outcome is unknown', async () => {
    for (const failure of [
      { status: 596, message: 'Connection timed out' },
      { status: 500, message: 'internal' },
      { destroy: true } as const,
    ]) {
      const { fake, client } = await setup(failThen(1, failure));
      await expect(client.qemu.clone('pve', 9000, { newid: 120 })).rejects.toBeInstanceOf(ProxmoxApiError);
      expect(fake.requests).toHaveLength(1);
      await client.close();
      await fake.close();
    }
  });

  it('retries any method, POST included, on lock timeouts (refused before doing anything)', async () => {
    const { fake, client } = await setup(
      failThen(2, { status: 500, message: "can't lock file '/var/lock/qemu-server/lock-120.conf' - got timeout" }),
    );
    await expect(client.qemu.create('pve', { vmid: 120 })).resolves.toBe('ok');
    expect(fake.requests).toHaveLength(3);
  });

  it('retries idempotent PUT/DELETE on 596/599', async () => {
    const { fake, client } = await setup(failThen(1, { status: 599, message: 'Too many redirections' }));
    await client.lxc.updateConfig('pve', 101, { cores: 2 });
    expect(fake.requests).toHaveLength(2);
  });

  it('does not retry permanent answers (400, 403, missing guest)', async () => {
    for (const failure of [
      { status: 400, message: 'Parameter verification failed.' },
      { status: 403, message: 'Permission check failed' },
      { status: 500, message: "Configuration file 'nodes/pve/qemu-server/9.conf' does not exist" },
    ]) {
      const { fake, client } = await setup(failThen(5, failure));
      await expect(client.qemu.config('pve', 9)).rejects.toBeInstanceOf(ProxmoxApiError);
      expect(fake.requests).toHaveLength(1);
      await client.close();
      await fake.close();
    }
  });

  it('stops after maxAttempts', async () => {
    const { fake, client } = await setup(() => ({ status: 503, message: 'busy' }), { maxAttempts: 3 });
    await expect(client.cluster.resources()).rejects.toMatchObject({ status: 503 });
    expect(fake.requests).toHaveLength(3);
  });

  it('stops retrying when the next backoff would pass the total time budget', async () => {
    fake = await startFakePve(() => ({ status: 500, message: 'internal' }));
    let now = 0;
    const slept: number[] = [];
    client = createProxmoxClient({
      endpoint: fake.url,
      tokenId: 'phoenix@pve!deploy',
      tokenSecret: SECRET,
      retry: { maxAttempts: 100, baseDelayMs: 100, maxDelayMs: 100, maxTotalMs: 1_000 },
      now: () => now,
      sleep: async (ms) => void (slept.push(ms), (now += ms)),
      random: () => 1,
    });
    await expect(client.cluster.nodes()).rejects.toMatchObject({ status: 500 });
    expect(slept).toEqual(Array(10).fill(100));
    expect(fake.requests).toHaveLength(11);
  });

  it('lets the caller opt in to retrying a POST', async () => {
    const { fake, client } = await setup(failThen(1, { status: 596, message: 'Broken pipe' }));
    await client.request('POST', '/nodes/pve/qemu/1/status/start', undefined, { retryUnsafe: true });
    expect(fake.requests).toHaveLength(2);
  });
});

describe('connect failures', () => {
  // An unparsed read (nodeStatus): the answer is the fake server's 'ok', not a schema-valid node list.
  it('fail at once while the endpoint never answered, replayed to the next request; retried once it has', async () => {
    const server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ data: 'ok' }));
    });
    const listen = (port = 0) => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    const stop = () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    };
    await listen();
    const port = (server.address() as AddressInfo).port;
    await stop();
    const sleeps: number[] = [];
    const connect = () =>
      createProxmoxClient({
        endpoint: `http://127.0.0.1:${port}`,
        tokenId: 'phoenix@pve!deploy',
        tokenSecret: SECRET,
        retry: { maxAttempts: 4, baseDelayMs: 10 },
        // Between retries the server comes (back) up: only a retry can see it.
        sleep: async (ms) => {
          sleeps.push(ms);
          if (!server.listening) await listen(port);
        },
      });
    try {
      client = connect();
      const first = (await client.cluster.nodeStatus('pve').catch((e: unknown) => e)) as ProxmoxApiError;
      expect(first).toBeInstanceOf(ProxmoxApiError);
      expect(first.transportCode).toBe('ECONNREFUSED');
      expect(first.message).toContain('connection refused');
      expect(first.endpoint).toBe(`http://127.0.0.1:${port}`);
      expect(first.hint).toContain(`port ${port}`);
      // Not retried, and replayed to the next request without a new attempt.
      expect(sleeps).toEqual([]);
      await expect(client.cluster.nodeStatus('pve')).rejects.toBe(first);
      expect(server.listening).toBe(false);
      await client.close();

      // Once the endpoint answered, a refusal (pveproxy restarting) is retried as before.
      await listen(port);
      client = connect();
      await expect(client.cluster.nodeStatus('pve')).resolves.toBe('ok');
      await stop();
      await expect(client.cluster.nodeStatus('pve')).resolves.toBe('ok');
      expect(sleeps).toHaveLength(1);
    } finally {
      if (server.listening) await stop();
    }
  });
});

describe('a black hole (accepts TCP, never answers the TLS handshake)', () => {
  it('costs one connect bound: requests queued behind the first batch end with it, no second round', async () => {
    const sockets: Socket[] = [];
    const hole = createNetServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => hole.listen(0, '127.0.0.1', resolve));
    const port = (hole.address() as AddressInfo).port;
    client = createProxmoxClient({
      endpoint: `https://127.0.0.1:${port}`,
      tokenId: 'phoenix@pve!deploy',
      tokenSecret: SECRET,
      tls: { fingerprint: Array(32).fill('AB').join(':') },
      maxConnections: 4,
      timeouts: { connectMs: 300 },
    });
    try {
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) => client!.request('GET', `/x${i}`).catch((e: unknown) => e)),
      );
      for (const r of results) expect((r as ProxmoxApiError).transportCode).toBe('UND_ERR_CONNECT_TIMEOUT');
      // One batch of connections (the pool's 4), not three rounds of 4.
      expect(sockets.length).toBeLessThanOrEqual(4);
      await client.close();
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => hole.close(() => resolve()));
    }
  });
});

describe('timeouts', () => {
  it('ends a request that gets no answer within its deadline, and does not retry an unanswered POST', async () => {
    const { fake, client } = await setup(() => new Promise<FakeAnswer>(() => {}) as never);
    const started = Date.now();
    const error = (await client
      .request('POST', '/nodes/pve/qemu', { vmid: 1 }, { timeoutMs: 300 })
      .catch((e: unknown) => e)) as ProxmoxApiError;
    expect(error).toBeInstanceOf(ProxmoxApiError);
    expect(error.transportCode).toBe('ETIMEDOUT');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(fake.requests).toHaveLength(1);
  });
});

describe('connection pool', () => {
  it('keeps connections alive and never opens more than maxConnections', async () => {
    const { fake, client } = await setup(() => ({ data: [] }), { maxConnections: 2 });
    await Promise.all(Array.from({ length: 20 }, () => client.cluster.resources()));
    await client.cluster.resources();
    const sockets = new Set(fake.requests.map((r) => r.socketPort));
    expect(fake.requests).toHaveLength(21);
    expect(sockets.size).toBeLessThanOrEqual(2);
    expect(events).toHaveLength(21);
  });
});
