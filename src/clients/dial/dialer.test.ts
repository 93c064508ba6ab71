import { describe, expect, it } from 'vitest';
import { createServer, type AddressInfo } from 'node:net';
import { directDial, DialError, onLinkRoutable } from './dialer.ts';

describe('onLinkRoutable', () => {
  const table = {
    lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true, cidr: '127.0.0.1/8' }],
    eth0: [{ address: '192.168.1.20', family: 'IPv4', internal: false, cidr: '192.168.1.20/24' }],
  } as never;

  it('is true for loopback and addresses on a local subnet only', () => {
    expect(onLinkRoutable('127.0.0.1', table)).toBe(true);
    expect(onLinkRoutable('::1', table)).toBe(true);
    expect(onLinkRoutable('192.168.1.103', table)).toBe(true);
    expect(onLinkRoutable('192.168.2.103', table)).toBe(false);
    expect(onLinkRoutable('10.10.0.103', table)).toBe(false);
    // Names are never resolved here: they go through the node.
    expect(onLinkRoutable('ca.home.arpa', table)).toBe(false);
  });
});

describe('directDial', () => {
  it('connects, and a refused port names host:port', async () => {
    const server = createServer((socket) => socket.end('hi'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const stream = await directDial()('127.0.0.1', port);
      const text = await new Promise<string>((resolve) => {
        let data = '';
        stream.on('data', (chunk: Buffer) => (data += chunk.toString()));
        stream.on('end', () => resolve(data));
      });
      expect(text).toBe('hi');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    const error = await directDial()('127.0.0.1', port).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DialError);
    expect((error as Error).message).toMatch(
      new RegExp(`^cannot reach 127\\.0\\.0\\.1:${port} directly: .*ECONNREFUSED`),
    );
  });
});
