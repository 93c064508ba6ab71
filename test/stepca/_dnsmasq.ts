/**
 * Test-only: a private dnsmasq on loopback answering for one domain from a hosts file
 * (unknown names under the domain get NXDOMAIN, nothing is forwarded). Started and stopped by PID.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSocket } from 'node:dgram';

export interface Dnsmasq {
  port: number;
  stop(): Promise<void>;
}

export async function startDnsmasq(
  binary: string,
  dir: string,
  port: number,
  domain: string,
  hosts: Record<string, string>,
): Promise<Dnsmasq> {
  const hostsFile = join(dir, 'dns-hosts');
  writeFileSync(
    hostsFile,
    Object.entries(hosts)
      .map(([name, ip]) => `${ip} ${name}\n`)
      .join(''),
  );
  const child = spawn(
    binary,
    [
      '-k',
      '--conf-file=/dev/null',
      `--port=${port}`,
      '--listen-address=127.0.0.1',
      '--bind-interfaces',
      '--no-resolv',
      '--no-hosts',
      `--addn-hosts=${hostsFile}`,
      `--local=/${domain}/`,
      `--pid-file=${join(dir, 'dnsmasq.pid')}`,
      // As root dnsmasq drops to `nobody` before reading the hosts file: the test's private (0700) temp dir would be unreadable.
      ...(process.getuid?.() === 0 ? ['--user=root'] : []),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    process.kill(child.pid, 'SIGTERM');
    await Promise.race([exited, new Promise((done) => setTimeout(done, 3000))]);
  };
  const name = Object.keys(hosts)[0] as string;
  for (let attempt = 0; attempt < 100; attempt += 1) {
    if (child.exitCode !== null) throw new Error(`dnsmasq exited: ${stderr}`);
    if (await answers(port, name)) return { port, stop };
    await new Promise((done) => setTimeout(done, 50));
  }
  await stop();
  throw new Error(`dnsmasq did not answer on ${port}: ${stderr}`);
}

/** One A query for `name`; true when any answer arrives. */
function answers(port: number, name: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    const labels = name.split('.').map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label)]));
    const query = Buffer.concat([
      Buffer.from([0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]),
      ...labels,
      Buffer.from([0, 0, 1, 0, 1]),
    ]);
    const timer = setTimeout(() => {
      socket.close();
      resolve(false);
    }, 200);
    socket.once('message', () => {
      clearTimeout(timer);
      socket.close();
      resolve(true);
    });
    socket.once('error', () => {
      clearTimeout(timer);
      socket.close();
      resolve(false);
    });
    socket.send(query, port, '127.0.0.1');
  });
}
