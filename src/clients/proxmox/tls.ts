/**
 * TLS for the client's undici Agent. Two ways to trust a PVE node, never a silent insecure mode:
 * - a CA (file or PEM): normal chain and hostname verification against that CA;
 * - a pinned SHA-256 fingerprint of the leaf certificate (what `pvenode cert info` shows): chain
 *   verification is replaced by an exact comparison made on every new connection, before any
 *   request (and so before the token) is written to the socket.
 * With neither, Node's default CA store applies.
 */
import { readFileSync } from 'node:fs';
import type { TLSSocket } from 'node:tls';
import { buildConnector } from 'undici';
import { PhoenixError } from '../../errors.ts';

export interface TlsOptions {
  caFile?: string;
  caPem?: string;
  /** `AA:BB:...` (64 hex digits, separators optional, any case). */
  fingerprint?: string;
}

/** Normalises a fingerprint to upper-case colon-separated form, or throws a clear error. */
export function normalizeFingerprint(text: string): string {
  const hex = text.replace(/[:\s]/g, '').toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) {
    throw new PhoenixError(`invalid TLS fingerprint '${text}'`, {
      code: 'E_PVE_TLS_CONFIG',
      hint: 'give the SHA-256 fingerprint of the node certificate as 32 hex pairs, e.g. AB:CD:...',
    });
  }
  return hex.match(/../g)!.join(':');
}

function loadCa(tls: TlsOptions): string | undefined {
  if (tls.caPem) return tls.caPem;
  if (!tls.caFile) return undefined;
  try {
    return readFileSync(tls.caFile, 'utf8');
  } catch (cause) {
    throw new PhoenixError(`cannot read CA file ${tls.caFile}`, {
      code: 'E_PVE_TLS_CONFIG',
      cause,
      hint: 'check the path of tls.caFile',
    });
  }
}

/** Error raised when the server presents a certificate that does not match the pin. */
export class FingerprintMismatchError extends PhoenixError {
  constructor(host: string, expected: string, actual: string) {
    super(`the TLS certificate of ${host} does not match the pinned fingerprint`, {
      code: 'E_PVE_TLS_PIN',
      detail: `expected  ${expected}\n  presented ${actual}`,
      hint:
        'check on the node which certificate it serves (`pvenode cert info`); if the presented one is right ' +
        '(e.g. renewed on purpose), set proxmox.tls.fingerprint to it, or trust the cluster CA with proxmox.tls.caFile',
    });
  }
}

/** undici `connect` option for the given TLS settings. */
export function buildTlsConnector(tls: TlsOptions, timeoutMs: number): buildConnector.connector {
  const ca = loadCa(tls);
  const pin = tls.fingerprint === undefined ? undefined : normalizeFingerprint(tls.fingerprint);
  // Without a CA the pin replaces chain verification; session caching is off so every
  // connection presents (and is checked against) the full certificate.
  const base = buildConnector({
    timeout: timeoutMs,
    ...(ca ? { ca } : {}),
    rejectUnauthorized: pin === undefined || ca !== undefined,
    maxCachedSessions: pin === undefined ? undefined : 0,
  });
  if (pin === undefined) return base;
  return (options, callback) => {
    return base(options, (error, socket) => {
      if (error) return callback(error, null);
      const cert = (socket as TLSSocket).getPeerCertificate?.();
      const actual = cert?.fingerprint256 ?? '(no certificate)';
      if (actual.toUpperCase() !== pin) {
        socket.destroy();
        return callback(new FingerprintMismatchError(`${options.hostname}:${options.port}`, pin, actual), null);
      }
      callback(null, socket);
    });
  };
}
