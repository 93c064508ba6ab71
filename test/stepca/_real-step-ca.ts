/**
 * Test-only: the real step-ca (smallstep/certificates 0.19, Debian's Go source), built by
 * scripts/build-step-ca.sh (cached by source hash) and started on loopback by PID from a
 * directory that holds the ca.json, keys and password file Phoenix generated — unchanged.
 * When it cannot be built, tests skip, except under CI=true where they fail.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');

let built: Promise<string | undefined> | undefined;

/** Path of the step-ca binary, or undefined (skip). Throws under CI=true when it cannot be built. */
export function buildStepCa(): Promise<string | undefined> {
  built ??= (async () => {
    try {
      const { stdout } = await run(join(ROOT, 'scripts/build-step-ca.sh'), [], {
        timeout: 240_000,
        maxBuffer: 1 << 22,
      });
      return stdout.trim().split('\n').pop();
    } catch (error) {
      if (process.env.CI === 'true') throw new Error(`step-ca cannot be built: ${(error as Error).message}`);
      return undefined;
    }
  })();
  return built;
}

export interface RealStepCa {
  pid: number;
  port: number;
  logFile: string;
  log(): string;
  /** SIGHUP: step-ca re-reads ca.json. */
  reload(): void;
  stop(): Promise<void>;
}

export interface StartOptions {
  binary: string;
  configPath: string;
  passwordFile: string;
  port: number;
  logFile: string;
  resolver?: string;
  deadlineMs?: number;
}

export async function startRealStepCa(options: StartOptions): Promise<RealStepCa> {
  const out = openSync(options.logFile, 'a');
  const args = [
    '--password-file',
    options.passwordFile,
    ...(options.resolver ? ['--resolver', options.resolver] : []),
    options.configPath,
  ];
  const child: ChildProcess = spawn(options.binary, args, { stdio: ['ignore', out, out], detached: true });
  closeSync(out);
  const pid = child.pid;
  if (pid === undefined) throw new Error('step-ca did not start');
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    process.kill(pid, 'SIGTERM');
    const killed = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
    if (!killed) {
      process.kill(pid, 'SIGKILL');
      await Promise.race([exited, sleep(2000)]);
    }
  };
  const log = (): string => readFileSync(options.logFile, 'utf8');
  const until = Date.now() + (options.deadlineMs ?? 20_000);
  for (let attempt = 0; attempt < 400 && Date.now() < until; attempt += 1) {
    if (child.exitCode !== null) throw new Error(`step-ca exited with ${child.exitCode}:\n${log()}`);
    if (await portOpen(options.port))
      return {
        pid,
        port: options.port,
        logFile: options.logFile,
        log,
        reload: () => process.kill(pid, 'SIGHUP'),
        stop,
      };
    await sleep(50);
  }
  await stop();
  throw new Error(`step-ca did not listen on ${options.port}:\n${log()}`);
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
