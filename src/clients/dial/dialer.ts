/**
 * The one way Phoenix opens a connection to a service inside a guest (step-ca, the Docker
 * Engine API, Portainer): a `Dial` returns the raw byte stream to `host:port`, either a direct
 * TCP connection (the address is routable from here) or a `direct-tcpip` channel on the node's
 * existing SSH connection (the guest sits on an internal network behind the node). TLS always
 * runs end to end on top of that stream, so the certificate is checked against the internal
 * root whatever path the bytes take; a tunnel is never a reason to trust less.
 *
 * `dialDispatcher` (undici) and `DialHttpsAgent` (node:https, e.g. dockerode) make any dial
 * usable by an HTTP client; `routedDial` picks direct or tunnel per host.
 */
import { connect as netConnect, isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { Agent as HttpsAgent, type AgentOptions, type RequestOptions } from 'node:https';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { Agent as UndiciAgent, buildConnector } from 'undici';
import { PhoenixError } from '../../errors.ts';

/** Opens the raw byte stream to `host:port`. Rejects with a `DialError` naming the target and the path. */
export type Dial = (host: string, port: number) => Promise<Duplex>;

/** What a tunnel goes through: the node's SSH connection (`SshClient.forwardOut`). */
export interface TunnelVia {
  /** The node the tunnel passes, for messages (e.g. `node pve1`). */
  readonly name: string;
  forwardOut(host: string, port: number): Promise<Duplex>;
}

/** A connection that could not be opened; `target` is `host:port`, `via` the node for a tunnel. */
export class DialError extends PhoenixError {
  readonly target: string;
  readonly via: string | undefined;
  constructor(target: string, via: string | undefined, reason: string, options: { cause?: unknown; hint?: string }) {
    super(`cannot reach ${target}${via ? ` through an SSH tunnel via ${via}` : ' directly'}: ${reason}`, {
      code: via ? 'E_DIAL_TUNNEL' : 'E_DIAL',
      ...options,
    });
    this.target = target;
    this.via = via;
  }
}

export function hostPort(host: string, port: number): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

function reasonOf(error: unknown): string {
  const e = error as { code?: string; message?: string };
  return e?.code && !String(e.message).includes(e.code)
    ? `${e.code} ${e.message ?? ''}`.trim()
    : String(e?.message ?? error);
}

/** Plain TCP from this machine, bounded by `timeoutMs`. */
export function directDial(options: { timeoutMs?: number } = {}): Dial {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return (host, port) =>
    new Promise<Duplex>((resolve, reject) => {
      const socket = netConnect({ host, port });
      const fail = (reason: string, cause?: unknown): void => {
        socket.destroy();
        reject(new DialError(hostPort(host, port), undefined, reason, { cause }));
      };
      const onError = (error: Error): void => fail(reasonOf(error), error);
      socket.setTimeout(timeoutMs, () => fail(`no answer within ${timeoutMs} ms`));
      socket.once('error', onError);
      socket.once('connect', () => {
        socket.setTimeout(0);
        // From here on the consumer (TLS, HTTP client) owns the socket's errors.
        socket.off('error', onError);
        socket.setNoDelay(true);
        resolve(socket);
      });
    });
}

/** Through the node: the SSH server connects to `host:port` from the node's side. */
export function tunnelDial(via: TunnelVia): Dial {
  return async (host, port) => {
    try {
      return await via.forwardOut(host, port);
    } catch (error) {
      throw new DialError(hostPort(host, port), via.name, reasonOf(error), {
        cause: error,
        hint: `check that the service listens on ${hostPort(host, port)} and that ${via.name} can reach it (and allows TCP forwarding)`,
      });
    }
  };
}

/**
 * Direct where `routable(host)` says so, else the tunnel. The decision is per host and made by
 * the caller (config, or the simulator's loopback mapping): never a probe of a private address.
 */
export function routedDial(options: { routable: (host: string) => boolean; direct?: Dial; tunnel?: Dial }): Dial {
  const direct = options.direct ?? directDial();
  return (host, port) => {
    if (options.routable(host)) return direct(host, port);
    if (!options.tunnel)
      return Promise.reject(
        new DialError(hostPort(host, port), undefined, 'not routable from here and no SSH tunnel is configured', {
          hint: 'set proxmox.ssh so Phoenix can tunnel through the node',
        }),
      );
    return options.tunnel(host, port);
  };
}

/**
 * True for a literal address this machine reaches without a router: loopback, or inside the
 * subnet of one of its own interfaces. Decided from the interface table alone, so nothing is
 * sent to find out; anything else (names, other networks) goes through the node.
 */
export function onLinkRoutable(host: string, interfaces = networkInterfaces()): boolean {
  if (host === '::1' || /^127\./.test(host)) return true;
  if (isIP(host) !== 4) return false;
  const value = ipv4(host);
  for (const list of Object.values(interfaces)) {
    for (const entry of list ?? []) {
      if (entry.family !== 'IPv4' || entry.internal || !entry.cidr) continue;
      const bits = Number(entry.cidr.split('/')[1]);
      const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
      if ((ipv4(entry.address) & mask) >>> 0 === (value & mask) >>> 0) return true;
    }
  }
  return false;
}

function ipv4(address: string): number {
  return address.split('.').reduce((acc, part) => ((acc << 8) | Number(part)) >>> 0, 0);
}

/** Sends every connection to a fixed place, whatever host:port is asked (the simulator's loopback port). */
export function fixedDial(to: { host: string; port: number }, dial: Dial = directDial()): Dial {
  return () => dial(to.host, to.port);
}

export interface DialTlsOptions {
  /** PEM anchors (the internal root). */
  ca?: string | string[];
  /** Name checked in the server certificate; default: the URL's host name. */
  servername?: string;
  cert?: string;
  key?: string;
  timeoutMs?: number;
  /** Parallel connections per origin. */
  connections?: number;
}

/**
 * An undici dispatcher whose connections come from `dial`: the URL keeps the logical name (TLS
 * verification, Host header, token audiences), the bytes go wherever the dialer sends them.
 * https only: plain HTTP to a guest service is not something Phoenix speaks.
 */
export function dialDispatcher(dial: Dial, tls: DialTlsOptions = {}): UndiciAgent {
  const timeoutMs = tls.timeoutMs ?? 10_000;
  const base = buildConnector({
    ...(tls.ca ? { ca: tls.ca } : {}),
    ...(tls.cert && tls.key ? { cert: tls.cert, key: tls.key } : {}),
    timeout: timeoutMs,
  });
  const connector: buildConnector.connector = (opts, callback) => {
    if (opts.protocol !== 'https:') {
      callback(new DialError(hostPort(opts.hostname, Number(opts.port)), undefined, 'only https is dialled', {}), null);
      return;
    }
    const port = Number(opts.port || 443);
    dial(opts.hostname, port).then(
      (stream) => {
        const servername = tls.servername ?? (isIP(opts.hostname) ? undefined : opts.hostname);
        base({ ...opts, ...(servername ? { servername } : {}), httpSocket: stream as never }, (error, socket) => {
          if (error) stream.destroy();
          callback(error as Error, socket as never);
        });
      },
      (error: Error) => callback(error, null),
    );
  };
  return new UndiciAgent({
    connect: connector,
    connections: tls.connections ?? 8,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
}

/** A node:https Agent whose connections come from `dial` (for clients built on node:https). */
export class DialHttpsAgent extends HttpsAgent {
  readonly #dial: Dial;
  constructor(dial: Dial, options: AgentOptions = {}) {
    super({ keepAlive: false, ...options });
    this.#dial = dial;
  }
  override createConnection(
    options: RequestOptions,
    callback?: (error: Error | null, socket: Duplex) => void,
  ): Duplex | null | undefined {
    const host = options.host ?? 'localhost';
    this.#dial(host, Number(options.port ?? 443)).then(
      (raw) => {
        const socket = tlsConnect({
          ...(options as ConnectionOptions),
          ...(isIP(host) || options.servername ? {} : { servername: host }),
          socket: raw,
        });
        callback?.(null, socket);
      },
      (error: Error) => callback?.(error, undefined as never),
    );
    return undefined;
  }
}
