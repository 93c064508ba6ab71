import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { guestDialer } from './guest-dialer.ts';

describe('guestDialer', () => {
  it('tunnels through the guest’s node unless the address is on a local subnet', async () => {
    const forwarded: string[] = [];
    const dialer = guestDialer(
      (node) =>
        node === 'pve1'
          ? {
              forwardOut: async (host, port) => {
                forwarded.push(`${node} ${host}:${port}`);
                return new PassThrough();
              },
            }
          : undefined,
      () => false,
    );
    (await dialer('pve1')('10.0.0.103', 443)).destroy();
    expect(forwarded).toEqual(['pve1 10.0.0.103:443']);
    await expect(dialer('pve2')('10.0.0.104', 2376)).rejects.toThrow(
      /^cannot reach 10\.0\.0\.104:2376 through an SSH tunnel via node pve2: no SSH access to node pve2/,
    );
  });
});
