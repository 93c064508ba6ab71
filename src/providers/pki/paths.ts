/**
 * Where Phoenix's certificates live in a guest that serves them through the gateway's nginx or
 * Traefik: the one convention the pki provider writes to and those providers read from.
 * `/etc/phoenix/certs/<name>/fullchain.pem` (leaf + intermediate), `.../<name>/key.pem`, and the
 * internal root next to them, `/etc/phoenix/certs/root.pem` (what upstream TLS must chain to).
 */
import { posix } from 'node:path';

export const PHOENIX_CERT_DIR = '/etc/phoenix/certs';

/** A certificate's files under `dir` (tests point `dir` at a temporary prefix). */
export function phoenixCertificateFiles(name: string, dir = PHOENIX_CERT_DIR): { fullchain: string; key: string } {
  return { fullchain: posix.join(dir, name, 'fullchain.pem'), key: posix.join(dir, name, 'key.pem') };
}

/** The internal root CA certificate under `dir`. */
export function phoenixRootFile(dir = PHOENIX_CERT_DIR): string {
  return posix.join(dir, 'root.pem');
}

/** The address of the `pki.certificate` resource named `name` (a typed reference target). */
export function certificateAddress(name: string): string {
  return `cert.${name}`;
}

/**
 * Phoenix's own client certificates (keys generated here, never leaving this machine), relative to
 * the environment's config directory: `.phoenix/certs/<name>/{fullchain,key}.pem`, root beside.
 */
export const PHOENIX_LOCAL_CERT_DIR = '.phoenix/certs';

/** The name of Phoenix's Docker Engine API client certificate (read by the swarm provider's clients). */
export const PHOENIX_DOCKER_CLIENT_CERT = 'phoenix-docker';
