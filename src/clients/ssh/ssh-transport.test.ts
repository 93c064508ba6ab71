import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SshClient } from './ssh-client.ts';
import { generateKeyPair } from './_test-peers.ts';

const key = generateKeyPair();
let server: Server | undefined;
const sockets = new Set<Socket>();

async function listen(onConnection: (socket: Socket) => void): Promise<number> {
  server = createServer((socket) => {
    sockets.add(socket);
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

const client = (port: number, extra: { connectTimeoutMs?: number } = {}) =>
  new SshClient({
    host: '127.0.0.1',
    port,
    username: 'root',
    privateKey: key.privateKey,
    hostKey: { fingerprint: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
    maxAttempts: 3,
    retryDelayMs: 10,
    ...extra,
  });

describe('SSH transport failures', () => {
  it('a server that hangs up is retried a bounded number of times, then reported', async () => {
    const port = await listen((socket) => socket.destroy());
    const ssh = client(port);
    await expect(ssh.exec(['true'], { idempotent: true })).rejects.toMatchObject({ code: 'E_SSH_TRANSPORT' });
    expect(ssh.connectCount).toBe(3);
  });

  it('a non-idempotent command is not retried', async () => {
    const port = await listen((socket) => socket.destroy());
    const ssh = client(port);
    await expect(ssh.exec(['true'])).rejects.toMatchObject({ code: 'E_SSH_TRANSPORT' });
    expect(ssh.connectCount).toBe(1);
  });

  it('a server that never speaks SSH times out within the connect timeout', async () => {
    const port = await listen(() => undefined);
    const ssh = client(port, { connectTimeoutMs: 300 });
    const started = Date.now();
    await expect(ssh.exec(['true'])).rejects.toMatchObject({
      code: 'E_SSH_TRANSPORT',
      message: expect.stringContaining('cannot connect'),
    });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('nothing listening is a transport error', async () => {
    const port = await listen(() => undefined);
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    await expect(client(port).exec(['true'])).rejects.toMatchObject({ code: 'E_SSH_TRANSPORT' });
  });
});
