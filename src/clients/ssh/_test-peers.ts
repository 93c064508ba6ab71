/**
 * Test-only helpers for the SSH tests: find a real peer binary (missing under CI=true is a
 * failure, elsewhere a skip), start a private OpenSSH sshd on loopback, and a TCP relay that
 * cuts the connection once after N client bytes (a dropped link in the middle of an upload).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateEd25519KeyPair } from './keys.ts';

/** The binary's path, or undefined (skip). Under CI=true a missing peer throws: tests must not silently pass. */
export function findPeer(path: string): string | undefined {
  if (existsSync(path)) return path;
  if (process.env.CI === 'true') throw new Error(`${path} is missing: run scripts/install-peers.sh`);
  return undefined;
}

export function generateKeyPair(comment = 'phoenix-test'): { privateKey: string; publicKey: string } {
  const pair = generateEd25519KeyPair(comment);
  return { privateKey: pair.private, publicKey: pair.public };
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitForPort(port: number, child: ChildProcess, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (let attempt = 0; attempt < 200 && Date.now() < until; attempt += 1) {
    if (child.exitCode !== null) throw new Error(`peer exited early with code ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`peer did not open port ${port} within ${deadlineMs} ms`);
}

export interface OpenSshPeer {
  port: number;
  dir: string;
  hostPublicKey: string;
  stop(): Promise<void>;
}

/** Start `/usr/sbin/sshd -D` as root on 127.0.0.1 with its own host key and authorized_keys. */
export async function startOpenSsh(sshd: string, authorizedKey: string): Promise<OpenSshPeer> {
  const dir = mkdtempSync(join(tmpdir(), 'phoenix-sshd-'));
  const host = generateKeyPair('phoenix-test-host');
  writeFileSync(join(dir, 'host_ed25519_key'), host.privateKey, { mode: 0o600 });
  writeFileSync(join(dir, 'authorized_keys'), `${authorizedKey}\n`, { mode: 0o600 });
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const port = await freePort();
  const config = [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${join(dir, 'host_ed25519_key')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'StrictModes no',
    'UsePAM no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin prohibit-password',
    'MaxSessions 20',
    '',
  ].join('\n');
  writeFileSync(join(dir, 'sshd_config'), config);
  const child = spawn(sshd, ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    log += chunk.toString();
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3000))]);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, child, 10_000);
  } catch (error) {
    await stop();
    throw new Error(`sshd did not start: ${String(error)}\n${log}`);
  }
  return { port, dir, hostPublicKey: host.publicKey, stop };
}

export interface CuttingRelay {
  port: number;
  /** True once the relay has cut a connection. */
  cut(): boolean;
  close(): Promise<void>;
}

/** Relay to 127.0.0.1:target; the first connection that sends more than `cutAfter` bytes is destroyed. */
export async function startCuttingRelay(target: number, cutAfter: number): Promise<CuttingRelay> {
  let didCut = false;
  const sockets = new Set<Socket>();
  const server = createServer((inbound) => {
    const outbound = connect(target, '127.0.0.1');
    sockets.add(inbound).add(outbound);
    let sent = 0;
    const destroy = (): void => {
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on('data', (chunk: Buffer) => {
      sent += chunk.length;
      if (!didCut && sent > cutAfter) {
        didCut = true;
        destroy();
        return;
      }
      outbound.write(chunk);
    });
    outbound.on('data', (chunk: Buffer) => inbound.write(chunk));
    inbound.on('close', destroy).on('error', destroy);
    outbound.on('close', destroy).on('error', destroy);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    cut: () => didCut,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
