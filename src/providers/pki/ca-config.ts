/**
 * ca.json and defaults.json for step-ca 0.19, generated from the config (field reference:
 * ../shared/schemas/step-ca-config-notes.md). The password is never written into ca.json:
 * step-ca reads it from `--password-file`, a 0600 file next to the keys.
 */
import type { JWK } from 'jose';
import { goDuration } from './duration.ts';

export interface CaPaths {
  root: string;
  crt: string;
  key: string;
  db: string;
  config: string;
}

export interface CaConfigInput {
  caName: string;
  /** `host:port` or `:port`. */
  address: string;
  dnsNames: string[];
  paths: CaPaths;
  jwk: { name: string; publicJwk: JWK; encryptedKey: string };
  acme: { name: string };
  claims: { defaultDuration: string; maxDuration: string; minDuration?: string };
}

export interface DefaultsInput {
  url: string;
  rootFingerprint: string;
  paths: CaPaths;
}

export function caJson(input: CaConfigInput): Record<string, unknown> {
  const claims = {
    minTLSCertDuration: goDuration(input.claims.minDuration ?? '5m'),
    maxTLSCertDuration: goDuration(input.claims.maxDuration),
    defaultTLSCertDuration: goDuration(input.claims.defaultDuration),
  };
  return {
    root: input.paths.root,
    federatedRoots: null,
    crt: input.paths.crt,
    key: input.paths.key,
    address: input.address,
    insecureAddress: '',
    dnsNames: input.dnsNames,
    commonName: input.caName,
    logger: { format: 'text' },
    db: { type: 'badgerv2', dataSource: input.paths.db, badgerFileLoadingMode: '' },
    authority: {
      claims,
      provisioners: [
        { type: 'JWK', name: input.jwk.name, key: input.jwk.publicJwk, encryptedKey: input.jwk.encryptedKey },
        { type: 'ACME', name: input.acme.name, forceCN: true, claims },
      ],
    },
    tls: {
      cipherSuites: [
        'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
        'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
        'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
        'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
        'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
      ],
      minVersion: 1.2,
      maxVersion: 1.3,
      renegotiation: false,
    },
  };
}

/** step's `defaults.json`: what a `step` CLI in the guest needs to talk to this CA. */
export function defaultsJson(input: DefaultsInput): Record<string, unknown> {
  return {
    'ca-url': input.url,
    'ca-config': input.paths.config,
    fingerprint: input.rootFingerprint,
    root: input.paths.root,
  };
}
