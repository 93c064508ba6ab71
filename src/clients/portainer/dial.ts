/**
 * How Phoenix reaches a service inside a guest: `(host, port) => a connected byte stream`. TLS
 * runs end to end on top of it, so a tunnel (SSH through the Proxmox node) or the built-in
 * simulator's loopback mapping can stand in for direct TCP without weakening verification.
 */
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';

export type Dial = (host: string, port: number) => Promise<Duplex>;

/** Direct TCP, bounded in time. */
export function directTcp(timeoutMs = 10_000): Dial {
  return (host, port) =>
    new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(Object.assign(new Error(`connect ${host}:${port}: timed out`), { code: 'ETIMEDOUT' }));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(socket);
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
}
