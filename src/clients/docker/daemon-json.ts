/**
 * The `daemon.json` Phoenix writes on a Swarm VM. The Docker API is exposed on TCP only with
 * TLS and client certificates required: an unauthenticated TCP socket is refused here, at
 * generation time, not discovered later on the wire.
 */
export interface DaemonJsonInput {
  /** Paths on the VM of the CA bundle, server certificate and key (from the PKI provider). */
  tls: { ca: string; cert: string; key: string };
  /** TCP listen address, default `0.0.0.0:2376`. */
  tcp?: string;
  /** Local socket, default `/var/run/docker.sock`. */
  unixSocket?: string;
  /** Extra settings that do not touch the listeners or TLS (e.g. `log-driver`). */
  extra?: Record<string, unknown>;
}

const RESERVED = new Set(['hosts', 'tls', 'tlsverify', 'tlscacert', 'tlscert', 'tlskey']);

export function daemonJson(input: DaemonJsonInput): Record<string, unknown> {
  const tcp = input.tcp ?? '0.0.0.0:2376';
  if (!/^[0-9a-fA-F.:[\]]+:\d+$/.test(tcp)) throw new Error(`daemon.json: invalid TCP address ${tcp}`);
  for (const key of Object.keys(input.extra ?? {})) {
    // Overriding these could reopen the API without client certificates.
    if (RESERVED.has(key)) throw new Error(`daemon.json: ${key} is managed by Phoenix and cannot be overridden`);
  }
  return {
    ...input.extra,
    hosts: [`unix://${input.unixSocket ?? '/var/run/docker.sock'}`, `tcp://${tcp}`],
    tls: true,
    tlsverify: true,
    tlscacert: input.tls.ca,
    tlscert: input.tls.cert,
    tlskey: input.tls.key,
  };
}
