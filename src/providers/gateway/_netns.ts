/**
 * Test-only: a small LAN of network namespaces — a `hub` namespace holding a bridge (and the
 * DNS server's address, like the Proxmox node) and one namespace per "host", each joined to the
 * bridge by a veth pair. All traffic stays inside these namespaces; everything is removed by
 * `destroy()`, which also ends every process started through `spawnIn`, by PID.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { findPeer } from '../../clients/ssh/_test-peers.ts';

export interface NetnsLan {
  /** `10.x.y` — hosts are `${subnet}.N`, the hub is `${subnet}.1`. */
  subnet: string;
  ns(host: string): string;
  ip(host: string): string;
  hubIp: string;
  /** Runs a command inside a namespace and waits (bounded). */
  run(host: string, argv: string[], timeoutMs?: number): { code: number; stdout: string; stderr: string };
  /** Starts a long-running process inside a namespace; ended by `destroy()`. */
  spawnIn(host: string, argv: string[]): ChildProcess & { log(): string };
  destroy(): Promise<void>;
}

/** `ip` is needed, and root: missing under CI=true is a failure. */
export function netnsAvailable(): boolean {
  const found = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip'].find((path) => existsSync(path));
  if (!findPeer(found ?? '/usr/sbin/ip')) return false;
  if (process.getuid?.() !== 0) {
    if (process.env.CI === 'true') throw new Error('network namespace tests need root');
    return false;
  }
  return true;
}

function ip(args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
}

/** Hosts are given as name → last octet. */
export function createLan(hosts: Record<string, number>): NetnsLan {
  const tag = `phx${process.pid % 100000}${Math.floor(Math.random() * 1000)}`;
  const subnet = `10.${200 + Math.floor(Math.random() * 50)}.${Math.floor(Math.random() * 250) + 1}`;
  const nsName = (host: string) => `${tag}-${host}`;
  const hub = nsName('hub');
  const created: string[] = [];
  const children: ChildProcess[] = [];
  const lan: NetnsLan = {
    subnet,
    ns: nsName,
    ip: (host) => `${subnet}.${hosts[host] as number}`,
    hubIp: `${subnet}.1`,
    run(host, argv, timeoutMs = 20_000) {
      try {
        const stdout = execFileSync('ip', ['netns', 'exec', nsName(host), ...argv], {
          encoding: 'utf8',
          timeout: timeoutMs,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        return { code: 0, stdout, stderr: '' };
      } catch (error) {
        const e = error as { status?: number; stdout?: string; stderr?: string };
        return { code: e.status ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
      }
    },
    spawnIn(host, argv) {
      // `ip netns exec` execs the command in place: the PID is the command's own.
      const child = spawn('ip', ['netns', 'exec', nsName(host), ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
      let log = '';
      child.stdout?.on('data', (c: Buffer) => (log += c.toString()));
      child.stderr?.on('data', (c: Buffer) => (log += c.toString()));
      children.push(child);
      return Object.assign(child, { log: () => log });
    },
    async destroy() {
      for (const child of children) {
        if (child.exitCode !== null || child.signalCode !== null) continue;
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
      for (const name of created.reverse()) {
        try {
          ip(['netns', 'del', name]);
        } catch {
          // already gone
        }
      }
    },
  };
  try {
    ip(['netns', 'add', hub]);
    created.push(hub);
    ip(['-n', hub, 'link', 'add', 'br0', 'type', 'bridge']);
    ip(['-n', hub, 'addr', 'add', `${subnet}.1/24`, 'dev', 'br0']);
    ip(['-n', hub, 'link', 'set', 'br0', 'up']);
    ip(['-n', hub, 'link', 'set', 'lo', 'up']);
    for (const [host, octet] of Object.entries(hosts)) {
      const ns = nsName(host);
      ip(['netns', 'add', ns]);
      created.push(ns);
      ip(['-n', hub, 'link', 'add', `v-${host}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      ip(['-n', hub, 'link', 'set', `v-${host}`, 'master', 'br0', 'up']);
      ip(['-n', ns, 'addr', 'add', `${subnet}.${octet}/24`, 'dev', 'eth0']);
      ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
      ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    }
  } catch (error) {
    void lan.destroy();
    throw error;
  }
  return lan;
}
