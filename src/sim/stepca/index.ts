/**
 * The simulated step-ca of guest 103: started from the same ca.json, keys and password file
 * the real step-ca takes, it behaves like step-ca 0.19 on the wire (pinned by
 * test/stepca/stepca.contract.test.ts, which runs against both) and signs real certificates.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo, Socket } from 'node:net';
import { loadCaConfig } from './config.ts';
import { createStepCaServer, type SimStepCaState } from './server.ts';

export interface SimStepCaOptions {
  configPath: string;
  /** The CA password, or `passwordFile` (trailing whitespace trimmed, as step-ca does). */
  password?: string;
  passwordFile?: string;
  /** Listen here instead of ca.json's address (0 = any free port). Always loopback. */
  port?: number;
  host?: string;
  /** The CA's clock (issuance times, token expiry): tests move it to cross renewal times. */
  now?: () => Date;
  /** The guest's filesystem root on the host: `configPath` and the paths in ca.json are inside it. */
  fsRoot?: string;
}

export interface SimStepCa {
  port: number;
  /** Requests per route (`POST /sign`, `GET /health`, ...). */
  requests(): Record<string, number>;
  /** Reasons of refusals, as the real CA's log would say. */
  log(): string[];
  revokedSerials(): string[];
  stop(): Promise<void>;
}

export async function startSimStepCa(options: SimStepCaOptions): Promise<SimStepCa> {
  const password =
    options.password ??
    (options.passwordFile
      ? readFileSync(
          options.fsRoot ? join(options.fsRoot, options.passwordFile) : options.passwordFile,
          'utf8',
        ).replace(/\s+$/, '')
      : undefined);
  if (password === undefined) throw new Error('error allocating terminal: pass a password or a password file');
  const config = loadCaConfig(options.configPath, password, options.fsRoot);
  const state: SimStepCaState = { requests: new Map(), log: [] };
  const { server, authority } = await createStepCaServer(config, state, options.now);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? config.port, host, () => resolve());
  });
  const sockets = new Set<Socket>();
  server.on('secureConnection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return {
    port: (server.address() as AddressInfo).port,
    requests: () => Object.fromEntries(state.requests),
    log: () => [...state.log],
    revokedSerials: () => [...authority.revoked.keys()],
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
