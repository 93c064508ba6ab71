/**
 * Issue 9: an endpoint that cannot be used is said once, fast, and names the endpoint actually
 * used — a refused port (no retries), a black hole (the connect bound of `proxmox.connectTimeout`),
 * a wrong TLS pin (one error on stderr with the expected and the presented fingerprint, how to
 * pin). Everything stays on loopback: a closed port, and a listener that never answers TLS.
 */
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/config/__fixtures__/run-cli.ts';
import { startTestSimulator, type TestSimulator } from '../../src/sim/testing.ts';
import { stackFree } from './_cli-child.ts';

const PIN = Array(32).fill('AB').join(':');
let dir = '';
let server: Server | undefined;
const sockets: Socket[] = [];
let sim: TestSimulator | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'phoenix-endpoint-'));
  cpSync('examples/homelab', dir, { recursive: true, filter: (src) => !src.includes('.phoenix') });
  process.env['PHOENIX_TEST_TOKEN_SECRET'] = '00000000-0000-0000-0000-000000000000';
});
afterEach(async () => {
  delete process.env['PHOENIX_TEST_TOKEN_SECRET'];
  for (const s of sockets.splice(0)) s.destroy();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
  await sim?.stop();
  sim = undefined;
  rmSync(dir, { recursive: true, force: true });
});

function pointAt(url: string, extra = ''): void {
  appendFileSync(
    join(dir, 'phoenix.yaml'),
    `\nproxmox:\n  endpoint: ${url}\n  tokenId: "root@pam!phoenix"\n  tokenSecret: env:PHOENIX_TEST_TOKEN_SECRET\n` +
      `  tls: { fingerprint: "${PIN}" }\n${extra}`,
  );
}

async function listen(onConnection: (socket: Socket) => void): Promise<number> {
  server = createServer((socket) => {
    sockets.push(socket);
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** Times one CLI run. */
async function timed(argv: string[]): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const t0 = Date.now();
  const r = await runCli(argv);
  return { ...r, ms: Date.now() - t0 };
}

describe('an endpoint Phoenix cannot use', () => {
  it('a refused port fails fast and names the endpoint and port actually used', async () => {
    const port = await closedPort();
    pointAt(`https://127.0.0.1:${port}`);
    const r = await timed(['plan', '-c', dir]);
    expect(r.code).toBe(1);
    expect(r.ms).toBeLessThan(4_000);
    expect(r.stderr).toContain(`cannot reach the Proxmox API at https://127.0.0.1:${port}`);
    expect(r.stderr).toMatch(/connection refused/);
    expect(r.stderr).toContain(`port ${port}`);
    expect(r.stderr).not.toContain('8006');
    expect(r.stderr.match(/error:/g)).toHaveLength(1);
    expect(r.stdout).not.toMatch(/ECONNREFUSED|refused/);
    expect(stackFree(r.stderr + r.stdout)).toBe(true);
  });

  it('a black hole (accepts, never answers the TLS handshake) ends at the connect bound', async () => {
    let open = 0;
    const port = await listen((socket) => {
      open += 1;
      socket.on('close', () => (open -= 1));
      socket.resume(); // read (and drop) the TLS hello, so the client's close is seen
    });
    pointAt(`https://127.0.0.1:${port}`, '  connectTimeout: 1\n');
    const r = await timed(['plan', '-c', dir]);
    // Nothing is left connecting once the command ends (a leftover would keep the process alive
    // for another connect bound): every connection the black hole saw is closed by Phoenix.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(open).toBe(0);
    expect(r.code).toBe(1);
    expect(r.ms).toBeLessThan(6_000);
    expect(r.stderr).toContain(`cannot reach the Proxmox API at https://127.0.0.1:${port}`);
    expect(r.stderr).toMatch(/no answer within 1 s/);
    expect(r.stderr).toMatch(/proxmox\.connectTimeout/);
    expect(r.stderr.match(/error:/g)).toHaveLength(1);
    expect(stackFree(r.stderr + r.stdout)).toBe(true);
  });

  it('a wrong TLS pin is one error on stderr: expected and presented fingerprint, how to pin', async () => {
    sim = await startTestSimulator({ tls: true });
    expect(sim.fingerprint).toBeDefined();
    pointAt(sim.url);
    for (const command of [['plan'], ['apply', '--auto-approve']]) {
      const r = await timed([...command, '-c', dir]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr.match(/error:/g), r.stderr).toHaveLength(1);
      expect(r.stderr).toMatch(/does not match the pinned fingerprint/);
      expect(r.stderr).toMatch(new RegExp(`expected\\s+${PIN}`));
      expect(r.stderr).toMatch(new RegExp(`presented\\s+${sim.fingerprint}`));
      expect(r.stderr).toMatch(/hint: .*tls\.fingerprint/);
      expect(r.stdout).not.toMatch(/fingerprint/);
      expect(stackFree(r.stderr + r.stdout)).toBe(true);
    }
  });
});
