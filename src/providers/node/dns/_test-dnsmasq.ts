/**
 * Test-only: start the real dnsmasq on 127.0.0.1:`port` with one config file and nothing else
 * (no resolv.conf, no /etc/hosts, no pid file), logging to stderr, which goes to `onLog`.
 * The caller waits for it to answer and kills it.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export function spawnLoopbackDnsmasq(
  binary: string,
  confFile: string,
  port: number,
  onLog: (text: string) => void,
): ChildProcess {
  const child = spawn(
    binary,
    [
      '-k',
      `--conf-file=${confFile}`,
      `--port=${port}`,
      '--listen-address=127.0.0.1',
      '--bind-interfaces',
      '--no-resolv',
      '--no-hosts',
      '--pid-file=',
      '--log-facility=-',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stderr?.on('data', (chunk: Buffer) => onLog(chunk.toString()));
  return child;
}
