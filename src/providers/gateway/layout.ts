/**
 * Where the gateway's files live on the gateway guest. Phoenix owns only what is under these
 * names: `phoenix` (a symlink to the active generation under `phoenix.d/`), the two entry files
 * that include it (htpasswd files live inside the generation). Tests point `root` at a temporary nginx prefix.
 */
import { posix } from 'node:path';
import { PHOENIX_CERT_DIR, phoenixCertificateFiles, phoenixRootFile } from '../pki/paths.ts';

export interface NginxLayout {
  /** nginx's configuration directory (Debian: /etc/nginx). */
  root: string;
  /** Certificate files per certificate name (the PKI provider installs them there: pki/paths.ts). */
  certificate(name: string): { fullchain: string; key: string };
  /** The internal root CA the upstream (Traefik) must chain to. */
  trustedRoot: string;
}

export const DEFAULT_CERT_DIR = PHOENIX_CERT_DIR;

export function defaultLayout(root = '/etc/nginx', certDir = DEFAULT_CERT_DIR): NginxLayout {
  return {
    root,
    certificate: (name) => phoenixCertificateFiles(name, certDir),
    trustedRoot: phoenixRootFile(certDir),
  };
}

/** Derived paths of a layout. */
export function layoutPaths(layout: NginxLayout) {
  const { root } = layout;
  return {
    /** The live include directory: a symlink to one generation. */
    live: posix.join(root, 'phoenix'),
    generations: posix.join(root, 'phoenix.d'),
    /** Included by Debian's nginx.conf inside http {} (conf.d/*.conf). */
    httpEntry: posix.join(root, 'conf.d', 'phoenix.conf'),
    /** Included by Debian's nginx.conf at top level (modules-enabled/*.conf), after the stream module loads. */
    streamEntry: posix.join(root, 'modules-enabled', '90-phoenix-stream.conf'),
  };
}
