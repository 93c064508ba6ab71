/** Conformance: API tokens, tickets, CSRF, privilege separation (spec §2). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTicket } from '../access/tickets.ts';
import { startTestSimulator, type TestSimulator } from '../testing.ts';
import { createToken, createUser, grant } from './helpers.ts';

let sim: TestSimulator;
beforeAll(async () => {
  sim = await startTestSimulator({ rootPassword: 'root-pass' });
});
afterAll(async () => {
  await sim.stop();
});

const asToken = (token: string): Record<string, string> => ({ Authorization: `PVEAPIToken=${token}` });

async function login(username: string, password: string): Promise<{ ticket: string; CSRFPreventionToken: string }> {
  const res = await sim.api('POST', '/access/ticket', { username, password }, {});
  expect(res.status).toBe(200);
  return res.body?.data as { ticket: string; CSRFPreventionToken: string };
}

describe('API tokens', () => {
  it('§2.1 accepts Authorization: PVEAPIToken=USER@REALM!ID=SECRET', async () => {
    expect((await sim.api('GET', '/version', {}, asToken(sim.token))).status).toBe(200);
  });

  it('§2.1 also accepts the "PVEAPIToken USER@REALM!ID=SECRET" spelling (space)', async () => {
    expect((await sim.api('GET', '/version', {}, { Authorization: `PVEAPIToken ${sim.token}` })).status).toBe(200);
  });

  it('§2.1 answers a wrong secret with 401 Authentication failed! and no body', async () => {
    const res = await sim.api('GET', '/version', {}, asToken(`${sim.tokenId}=00000000-0000-0000-0000-000000000000`));
    expect(res.status).toBe(401);
    expect(res.statusText).toBe('Authentication failed!');
    expect(res.body).toBeUndefined();
  });

  it('§2.2 answers a request without credentials with 401 No ticket and no body', async () => {
    const res = await sim.api('GET', '/version', {}, {});
    expect(res.status).toBe(401);
    expect(res.statusText).toBe('No ticket');
    expect(res.body).toBeUndefined();
  });

  it('§2.1 returns the token secret once, at creation only', async () => {
    await createUser(sim, 'once@pve');
    const res = await sim.api('POST', '/access/users/once@pve/token/ci', {});
    expect(res.body?.data).toMatchObject({ 'full-tokenid': 'once@pve!ci', info: { privsep: 1 } });
    expect(String((res.body?.data as { value: string }).value)).toMatch(/^[0-9a-f-]{36}$/);
    const list = await sim.api('GET', '/access/users/once@pve/token');
    expect(JSON.stringify(list.body)).not.toContain((res.body?.data as { value: string }).value);
  });

  it('§2.1 rejects tokens of a disabled user', async () => {
    await createUser(sim, 'off@pve');
    const token = await createToken(sim, 'off@pve', 'tk', 0);
    expect((await sim.api('GET', '/version', {}, asToken(token))).status).toBe(200);
    await sim.api('PUT', '/access/users/off@pve', { enable: 0 });
    expect((await sim.api('GET', '/version', {}, asToken(token))).status).toBe(401);
  });

  it('§2.1 rejects an expired token', async () => {
    await createUser(sim, 'exp@pve');
    const res = await sim.api('POST', '/access/users/exp@pve/token/old', { expire: 1000 });
    const data = res.body?.data as { 'full-tokenid': string; value: string };
    const again = await sim.api('GET', '/version', {}, asToken(`${data['full-tokenid']}=${data.value}`));
    expect(again.statusText).toBe('Authentication failed!');
  });

  it('§2.1 gives a fresh privsep token no rights: 403 Permission check failed (/vms/100, VM.Audit)', async () => {
    await createUser(sim, 'ops@pve');
    await grant(sim, '/', 'PVEVMAdmin', { users: 'ops@pve' });
    const token = await createToken(sim, 'ops@pve', 'sep', 1);
    const res = await sim.api('GET', '/nodes/pve/qemu/100/config', {}, asToken(token));
    expect(res.status).toBe(403);
    expect(res.statusText).toBe('Permission check failed (/vms/100, VM.Audit)');
  });

  it("§2.1 intersects a privsep token's ACLs with its user's", async () => {
    await createUser(sim, 'audit@pve');
    await grant(sim, '/', 'PVEVMAdmin', { users: 'audit@pve' });
    const token = await createToken(sim, 'audit@pve', 'ro', 1);
    await grant(sim, '/vms', 'PVEAuditor', { tokens: 'audit@pve!ro' });
    const read = await sim.api('GET', '/nodes/pve/qemu/100/config', {}, asToken(token));
    expect(read.status).toBe(500); // past the permission check: the VM does not exist
    const write = await sim.api('PUT', '/nodes/pve/qemu/100/config', { cores: 2 }, asToken(token));
    expect(write.status).toBe(403);
    expect(write.statusText).toMatch(/^Permission check failed \(\/vms\/100, VM\.Config/);
  });

  it("§2.1 gives a privsep=0 token exactly its user's permissions", async () => {
    await createUser(sim, 'full@pve');
    await grant(sim, '/vms', 'PVEVMAdmin', { users: 'full@pve' });
    const token = await createToken(sim, 'full@pve', 'all', 0);
    expect((await sim.api('GET', '/nodes/pve/qemu/100/config', {}, asToken(token))).status).toBe(500);
    expect(
      (await sim.api('PUT', '/access/acl', { path: '/', roles: 'Administrator', users: 'full@pve' }, asToken(token)))
        .status,
    ).toBe(403);
  });

  it('§2.1 refuses API tokens on ticket-only endpoints (PUT /access/password)', async () => {
    const res = await sim.api('PUT', '/access/password', { userid: 'root@pam', password: 'x12345678' });
    expect(res.status).toBe(403);
    expect(res.statusText).toBe(
      "Permission check failed (URI '/access/password' not available with API token, need proper ticket.",
    );
  });
});

describe('tickets', () => {
  it('§2.2 issues a ticket PVE:<user>:<HEXTIME>::<sig> and a CSRF token <HEXTIME>:<sig>', async () => {
    const data = await login('root@pam', 'root-pass');
    expect(data.ticket).toMatch(/^PVE:root@pam:[0-9A-F]{8}::\S+$/);
    expect(data.CSRFPreventionToken).toMatch(/^[0-9A-F]{8}:\S+$/);
    expect(data).toMatchObject({ username: 'root@pam' });
  });

  it('§2.2 accepts username + realm as separate parameters', async () => {
    const res = await sim.api('POST', '/access/ticket', { username: 'root', realm: 'pam', password: 'root-pass' }, {});
    expect(res.status).toBe(200);
  });

  it('§2.2 authenticates GETs with the PVEAuthCookie cookie', async () => {
    const { ticket } = await login('root@pam', 'root-pass');
    const res = await sim.api('GET', '/version', {}, { Cookie: `PVEAuthCookie=${encodeURIComponent(ticket)}` });
    expect(res.status).toBe(200);
  });

  it('§2.2 requires the CSRFPreventionToken header on non-GET ticket requests', async () => {
    const { ticket, CSRFPreventionToken } = await login('root@pam', 'root-pass');
    const cookie = `PVEAuthCookie=${encodeURIComponent(ticket)}`;
    const denied = await sim.api('POST', '/access/users', { userid: 'csrf@pve' }, { Cookie: cookie });
    expect(denied.status).toBe(401);
    expect(denied.statusText).toBe('Permission denied - invalid csrf token');
    const ok = await sim.api('POST', '/access/users', { userid: 'csrf@pve' }, { Cookie: cookie, CSRFPreventionToken });
    expect(ok.status).toBe(200);
  });

  it('§2.2 answers a wrong password with 401 authentication failure', async () => {
    const res = await sim.api('POST', '/access/ticket', { username: 'root@pam', password: 'wrong' }, {});
    expect(res.status).toBe(401);
    expect(res.statusText).toBe('authentication failure');
  });

  it('§2.2 renews a ticket when the old ticket is passed as password', async () => {
    const { ticket } = await login('root@pam', 'root-pass');
    const renewed = await login('root@pam', ticket);
    expect(renewed.ticket).toMatch(/^PVE:root@pam:/);
  });

  it('§2.1 lets the ticket win when both a ticket and a token are sent', async () => {
    const { ticket } = await login('root@pam', 'root-pass');
    const res = await sim.api(
      'GET',
      '/version',
      {},
      { Cookie: `PVEAuthCookie=${encodeURIComponent(ticket)}`, Authorization: 'PVEAPIToken=bad@pve!x=nope' },
    );
    expect(res.status).toBe(200);
  });

  it('§2.2 accepts the ticket in an "Authorization: PVEAuthCookie=..." header as a fallback', async () => {
    const { ticket } = await login('root@pam', 'root-pass');
    const res = await sim.api('GET', '/version', {}, { Authorization: `PVEAuthCookie=${encodeURIComponent(ticket)}` });
    expect(res.status).toBe(200);
  });

  it('§2.2 expires tickets after 2 hours', async () => {
    const nowS = Math.floor(Date.now() / 1000);
    const fresh = createTicket(sim.control.access.ticketSecret, 'root@pam', nowS - 7000);
    const stale = createTicket(sim.control.access.ticketSecret, 'root@pam', nowS - 7300);
    const cookie = (t: string): Record<string, string> => ({ Cookie: `PVEAuthCookie=${encodeURIComponent(t)}` });
    expect((await sim.api('GET', '/version', {}, cookie(fresh))).status).toBe(200);
    const res = await sim.api('GET', '/version', {}, cookie(stale));
    expect([res.status, res.statusText]).toEqual([401, 'Authentication failed!']);
  });

  it('§2.2 answers a forged ticket with 401 Authentication failed!', async () => {
    const res = await sim.api('GET', '/version', {}, { Cookie: 'PVEAuthCookie=PVE:root@pam:66A1B2C3::forged' });
    expect(res.status).toBe(401);
    expect(res.statusText).toBe('Authentication failed!');
  });
});

describe('auth failure delay', () => {
  it('§7 delays 401 answers by the configured time (3 s on a real node)', async () => {
    const slow = await startTestSimulator({ authDelayMs: 300 });
    try {
      const started = Date.now();
      const res = await slow.api('GET', '/version', {}, asToken(`${slow.tokenId}=wrong`));
      expect(res.status).toBe(401);
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    } finally {
      await slow.stop();
    }
  });
});
