/**
 * The node shell's transport: one reused SSH connection per node (ssh2), key auth only, the
 * host key checked before any credential is sent (see host-key.ts). Commands are argv arrays,
 * quoted here; the caller never builds shell strings.
 *
 * `writeFileAtomic` uploads into a temp file in the target directory, fixes mode/owner there,
 * checks the uploaded bytes by SHA-256 and only then renames over the target, in a separate
 * exec. A connection dropped at any point leaves the old file or the new one, never a mix.
 */
import { createHash, randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import { PhoenixError } from '../../errors.ts';
import { checkHostKey, hostKeyError, knownHostsName, type HostKeyPolicy } from './host-key.ts';
import { renderSteps, type CommandStep } from './shell-quote.ts';
import { SshError, isRetryableSshError } from './ssh-errors.ts';

export interface SshClientOptions {
  host: string;
  port?: number;
  username: string;
  /** Private key text (OpenSSH/PEM), already resolved from its secret reference by the caller. */
  privateKey: string | Buffer;
  passphrase?: string;
  hostKey: HostKeyPolicy;
  connectTimeoutMs?: number;
  /** Default per-command timeout. */
  commandTimeoutMs?: number;
  /** Attempts for idempotent operations on a dropped connection (1 = no retry). */
  maxAttempts?: number;
  retryDelayMs?: number;
  /** Upper bound of channels open at once on the shared connection (sshd's MaxSessions is 10). */
  maxChannels?: number;
}

export interface ExecOptions {
  stdin?: string | Buffer;
  timeoutMs?: number;
  /** Safe to run again after a dropped connection: the client retries it. */
  idempotent?: boolean;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface WriteFileOptions {
  /** Octal string like `0644` or a number. */
  mode?: string | number;
  owner?: string;
  group?: string;
}

/** An exec result with stdout's exact bytes (for binary-safe reads). */
interface RawExecResult extends ExecResult {
  raw: Buffer;
}

/** What the node shell needs from a transport; the sim and tests implement it too. */
export interface CommandRunner {
  exec(steps: CommandStep[] | readonly string[], options?: ExecOptions): Promise<ExecResult>;
}

export function modeString(mode: string | number): string {
  const value = typeof mode === 'number' ? mode : Number.parseInt(mode, 8);
  if (!Number.isInteger(value) || value < 0 || value > 0o7777) {
    throw new PhoenixError(`invalid file mode ${String(mode)}`, {
      code: 'E_FILE_MODE',
      hint: 'use an octal string such as "0644"',
    });
  }
  return value.toString(8).padStart(4, '0');
}

export function sha256Hex(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

function toSteps(command: CommandStep[] | readonly string[]): CommandStep[] {
  return typeof command[0] === 'string' || command.length === 0
    ? [{ argv: command as readonly string[] }]
    : (command as CommandStep[]);
}

export class SshClient implements CommandRunner {
  readonly #options: Required<Omit<SshClientOptions, 'passphrase'>> & { passphrase?: string };
  #connection?: Promise<ssh2.Client>;
  #openChannels = 0;
  readonly #waiting: (() => void)[] = [];
  /** Count of TCP connections made; tests read it to prove reuse. */
  connectCount = 0;

  constructor(options: SshClientOptions) {
    this.#options = {
      port: 22,
      connectTimeoutMs: 10_000,
      commandTimeoutMs: 60_000,
      maxAttempts: 3,
      retryDelayMs: 200,
      maxChannels: 8,
      ...options,
    };
  }

  get target(): string {
    return `${this.#options.username}@${knownHostsName(this.#options.host, this.#options.port)}`;
  }

  #connect(): Promise<ssh2.Client> {
    if (this.#connection) return this.#connection;
    const { host, port, username, privateKey, passphrase, hostKey, connectTimeoutMs } = this.#options;
    const connection = new Promise<ssh2.Client>((resolve, reject) => {
      const client = new ssh2.Client();
      let refused: PhoenixError | undefined;
      let ready = false;
      const forget = (): void => {
        if (this.#connection === connection) this.#connection = undefined;
      };
      client.on('ready', () => {
        ready = true;
        resolve(client);
      });
      client.on('error', (error: Error & { level?: string }) => {
        forget();
        if (ready) return;
        if (refused) return reject(refused);
        if (error.level === 'client-authentication') {
          return reject(
            new SshError('auth', `SSH key authentication to ${this.target} failed`, {
              hint: 'check that the public key is in the node user’s authorized_keys and the secret reference resolves to the matching private key',
            }),
          );
        }
        // A connect timeout is a transport failure (retried for idempotent work), unlike a command timeout.
        reject(
          new SshError('transport', `cannot connect to ${this.target}: ${error.message}`, {
            cause: error,
            hint: 'check that the node is reachable and sshd listens on this port',
          }),
        );
      });
      client.on('close', () => {
        forget();
        // Closed during the handshake without an error event (e.g. the server hung up): never hang.
        if (!ready)
          reject(refused ?? new SshError('transport', `connection to ${this.target} closed during the handshake`));
      });
      this.connectCount += 1;
      client.connect({
        host,
        port,
        username,
        privateKey,
        passphrase,
        readyTimeout: connectTimeoutMs,
        keepaliveInterval: 15_000,
        keepaliveCountMax: 3,
        hostVerifier: (key: Buffer) => {
          const verdict = checkHostKey(hostKey, host, port, key);
          if (!verdict.ok) refused = hostKeyError(hostKey, host, port, verdict);
          return verdict.ok;
        },
      });
      // Commands are small request/response exchanges: Nagle + delayed ACK would add ~40 ms to each.
      client.setNoDelay(true);
    });
    this.#connection = connection;
    connection.catch(() => undefined);
    return connection;
  }

  async #acquire(): Promise<void> {
    if (this.#openChannels < this.#options.maxChannels) {
      this.#openChannels += 1;
      return;
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  #release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#openChannels -= 1;
  }

  async #execOnce(command: string, options: ExecOptions): Promise<RawExecResult> {
    const client = await this.#connect();
    await this.#acquire();
    try {
      return await new Promise<RawExecResult>((resolve, reject) => {
        const timeoutMs = options.timeoutMs ?? this.#options.commandTimeoutMs;
        client.exec(command, (error, channel) => {
          if (error) {
            return reject(new SshError('transport', `cannot open a channel to ${this.target}`, { cause: error }));
          }
          const stdout: Buffer[] = [];
          const stderr: Buffer[] = [];
          let code: number | undefined;
          const timer = setTimeout(() => {
            channel.close();
            reject(new SshError('timeout', `command on ${this.target} timed out after ${timeoutMs} ms`));
          }, timeoutMs);
          channel.on('data', (chunk: Buffer) => stdout.push(chunk));
          channel.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
          channel.on('exit', (exitCode: number | null) => {
            code = exitCode ?? 255;
          });
          channel.on('close', () => {
            clearTimeout(timer);
            if (code === undefined) {
              reject(new SshError('transport', `connection to ${this.target} dropped during a command`));
              return;
            }
            const raw = Buffer.concat(stdout);
            resolve({
              code,
              raw,
              stdout: raw.toString('utf8'),
              stderr: Buffer.concat(stderr).toString('utf8'),
            });
          });
          if (options.stdin !== undefined) channel.end(options.stdin);
          else channel.end();
        });
      });
    } finally {
      this.#release();
    }
  }

  async #withRetry<T>(idempotent: boolean, operation: () => Promise<T>): Promise<T> {
    const attempts = idempotent ? Math.max(1, this.#options.maxAttempts) : 1;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await operation();
      } catch (error) {
        if (attempt >= attempts || !isRetryableSshError(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, this.#options.retryDelayMs * attempt));
      }
    }
  }

  /** Run a command (argv or `&&`-joined steps). Non-zero exit codes are returned, not thrown. */
  exec(command: CommandStep[] | readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const text = renderSteps(toSteps(command));
    return this.#withRetry(options.idempotent ?? false, () => this.#execOnce(text, options));
  }

  /** Like exec, but a non-zero exit code becomes an SshError carrying stderr. */
  async run(command: CommandStep[] | readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const result = await this.exec(command, options);
    if (result.code !== 0) throw commandFailed(this.target, command, result);
    return result;
  }

  /** The file's bytes, or undefined if it does not exist. */
  async readFile(path: string): Promise<Buffer | undefined> {
    const command = renderSteps([{ argv: ['test', '-e', path] }, { argv: ['cat', path] }]);
    const result = await this.#withRetry(true, () => this.#execOnce(command, {}));
    if (result.code === 1 && result.raw.length === 0) return undefined;
    if (result.code !== 0) throw commandFailed(this.target, ['cat', path], result);
    return result.raw;
  }

  /** Replace `path` atomically: temp file in the same directory, verify, chmod/chown, rename. */
  writeFileAtomic(path: string, content: string | Buffer, options: WriteFileOptions = {}): Promise<void> {
    // Temp files of attempts cut off by a dropped connection; removed by the attempt that succeeds.
    const leftovers: string[] = [];
    return this.#withRetry(true, async () => {
      const temp = posix.join(
        posix.dirname(path),
        `.${posix.basename(path)}.phoenix-${randomBytes(6).toString('hex')}`,
      );
      leftovers.push(temp);
      const steps: CommandStep[] = [{ argv: ['umask', '077'] }, { argv: ['cat'], redirectTo: temp }];
      if (options.mode !== undefined) steps.push({ argv: ['chmod', modeString(options.mode), temp] });
      if (options.owner !== undefined || options.group !== undefined) {
        steps.push({
          argv: ['chown', `${options.owner ?? ''}${options.group !== undefined ? `:${options.group}` : ''}`, temp],
        });
      }
      steps.push({ argv: ['sha256sum', temp] });
      const upload = await this.#execOnce(renderSteps(steps), { stdin: content });
      const expected = sha256Hex(content);
      if (upload.code !== 0 || !upload.stdout.startsWith(expected)) {
        await this.#execOnce(renderSteps([{ argv: ['rm', '-f', temp] }]), {}).catch(() => undefined);
        if (upload.code !== 0) throw commandFailed(this.target, ['write', path], upload);
        throw new SshError('transport', `upload of ${path} to ${this.target} arrived incomplete`);
      }
      const moved = await this.#execOnce(renderSteps([{ argv: ['mv', '-f', temp, path] }]), {});
      if (moved.code !== 0) throw commandFailed(this.target, ['mv', temp, path], moved);
      const stale = leftovers.filter((name) => name !== temp);
      if (stale.length > 0) {
        await this.#execOnce(renderSteps([{ argv: ['rm', '-f', ...stale] }]), {}).catch(() => undefined);
      }
    });
  }

  /**
   * A TCP stream to `host:port` opened by the SSH server (a `direct-tcpip` channel on the shared
   * connection): what the dialer tunnels through. Tunnels are long-lived, so they do not take one
   * of the exec slots. A refusal (the server cannot connect, or forwarding is off) names the target.
   */
  async forwardOut(host: string, port: number): Promise<Duplex> {
    const open = async (): Promise<Duplex> => {
      const client = await this.#connect();
      return new Promise<Duplex>((resolve, reject) => {
        client.forwardOut('127.0.0.1', 0, host, port, (error, channel) => {
          if (!error) return resolve(channel);
          const reason = (error as Error & { reason?: number }).reason;
          // ssh2 marks a channel the server refused with the RFC 4254 reason code; anything else is the transport.
          reject(
            reason === undefined
              ? new SshError('transport', `cannot open a tunnel through ${this.target}: ${error.message}`, {
                  cause: error,
                })
              : new SshError(
                  'tunnel',
                  `${this.target} refused a tunnel to ${host.includes(':') ? `[${host}]` : host}:${port}: ${error.message.replace(/^\(SSH\) /, '')}`,
                  {
                    cause: error,
                    hint: 'is the service listening there, and does the node allow TCP forwarding (AllowTcpForwarding)?',
                  },
                ),
          );
        });
      });
    };
    return this.#withRetry(true, open);
  }

  async close(): Promise<void> {
    const connection = this.#connection;
    this.#connection = undefined;
    if (!connection) return;
    const client = await connection.catch(() => undefined);
    client?.end();
  }
}

export function commandFailed(
  target: string,
  command: CommandStep[] | readonly string[],
  result: ExecResult,
): SshError {
  const shown = toSteps(command)
    .map((step) => step.argv.join(' '))
    .join(' && ');
  return new SshError('command', `\`${shown}\` failed on ${target} with exit code ${result.code}`, {
    detail: result.stderr.trim().slice(0, 2000),
    exitCode: result.code,
  });
}
