/**
 * The node shell on the simulator's SSH server: connection setup, one command round trip over the
 * reused connection, an atomic 64 KiB write, and a no-op observe of the DNS resource (what every
 * `phoenix plan` pays per node).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SshClient } from '../src/clients/ssh/ssh-client.ts';
import { generateKeyPair } from '../src/clients/ssh/_test-peers.ts';
import { NoopHook } from '../src/engine/hook.ts';
import { startSimSshServer } from '../src/sim/ssh/server.ts';
import { dnsHandler, dnsResource } from '../src/providers/node/dns/handler.ts';
import { shellResolver } from '../src/providers/node/resolver.ts';
import { homelabSource } from '../src/providers/node/dns/_fixture.ts';
import type { Benchmark, BenchResult } from './types.ts';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round((sorted[Math.floor(sorted.length / 2)] ?? 0) * 100) / 100;
}

async function time(rounds: number, fn: () => Promise<unknown>): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < rounds; i += 1) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  return median(samples);
}

export const benchmark: Benchmark = {
  name: 'node-shell',
  async run(): Promise<BenchResult[]> {
    const dataDir = mkdtempSync(join(tmpdir(), 'phoenix-bench-ssh-'));
    const key = generateKeyPair();
    const server = await startSimSshServer({
      dataDir,
      node: 'pve',
      authorizedKeys: [key.publicKey],
      guests: { guestExists: () => false, guestRunning: () => false },
    });
    const connect = () =>
      new SshClient({
        host: server.host,
        port: server.port,
        username: 'root',
        privateKey: key.privateKey,
        hostKey: { fingerprint: server.fingerprint },
      });
    try {
      const connectMs = await time(5, async () => {
        const client = connect();
        await client.run(['true']);
        await client.close();
      });
      const ssh = connect();
      await ssh.run(['mkdir', '-p', '/etc/bench']);
      const execMs = await time(30, () => ssh.run(['test', '-e', '/etc/bench']));
      const payload = 'x'.repeat(64 * 1024);
      const writeMs = await time(10, () => ssh.writeFileAtomic('/etc/bench/file', payload, { mode: '0644' }));
      await ssh.run(['systemctl', 'enable', '--now', 'dnsmasq']);
      const handler = dnsHandler(shellResolver({ node: () => ssh }));
      const { resource } = dnsResource(homelabSource(), 'pve');
      const ctx = { signal: new AbortController().signal, hook: new NoopHook() };
      await handler.create({
        ctx: { ...ctx, journal: { note: () => undefined }, attempt: 1 },
        resource,
        change: {} as never,
      });
      const observeMs = await time(10, () => handler.observe({ ctx, resource }));
      await ssh.close();
      return [
        { name: 'connect + first command', value: connectMs, unit: 'ms', target: { op: '<=', value: 200 } },
        { name: 'command round trip (reused connection)', value: execMs, unit: 'ms', target: { op: '<=', value: 10 } },
        { name: 'atomic write 64 KiB', value: writeMs, unit: 'ms', target: { op: '<=', value: 50 } },
        { name: 'observe dns resource (2 files)', value: observeMs, unit: 'ms', target: { op: '<=', value: 50 } },
      ];
    } finally {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};
