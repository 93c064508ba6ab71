/**
 * Reads a step-ca 0.19 `ca.json` and the files it names (the same inputs the real step-ca
 * takes), with the intermediate key opened by the CA password. Only the fields the simulated
 * CA acts on are read; the rest is accepted unchanged.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync as readFile } from 'node:fs';
import { join, posix } from 'node:path';
import { z } from 'zod';

const GoDuration = z.string().regex(/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);

const Claims = z
  .looseObject({
    minTLSCertDuration: GoDuration.optional(),
    maxTLSCertDuration: GoDuration.optional(),
    defaultTLSCertDuration: GoDuration.optional(),
    disableRenewal: z.boolean().optional(),
  })
  .optional();

const Provisioner = z.looseObject({
  type: z.string(),
  name: z.string().min(1),
  key: z.looseObject({ kid: z.string().optional(), kty: z.string() }).optional(),
  encryptedKey: z.string().optional(),
  claims: Claims,
});

const CaJson = z.looseObject({
  root: z.union([z.string(), z.array(z.string())]),
  crt: z.string(),
  key: z.string(),
  address: z.string(),
  dnsNames: z.array(z.string()).min(1).default(['localhost', '127.0.0.1', '::1']),
  db: z.looseObject({ type: z.string() }).nullable().optional(),
  authority: z
    .looseObject({
      provisioners: z.array(Provisioner).default([]),
      claims: Claims,
      backdate: GoDuration.optional(),
      disableIssuedAtCheck: z.boolean().optional(),
    })
    .default({ provisioners: [] }),
});

export type SimProvisioner = z.infer<typeof Provisioner>;

export interface TlsClaims {
  minMs: number;
  maxMs: number;
  defaultMs: number;
  disableRenewal: boolean;
}

export interface SimCaConfig {
  raw: z.infer<typeof CaJson>;
  roots: string[];
  intermediatePem: string;
  intermediateKey: KeyObject;
  dnsNames: string[];
  port: number;
  host: string;
  provisioners: SimProvisioner[];
  backdateMs: number;
  hasDb: boolean;
  claimsFor(provisioner: SimProvisioner): TlsClaims;
}

const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function goDurationMs(value: string): number {
  let total = 0;
  for (const match of value.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) {
    total += Number(match[1]) * (UNITS[match[2] as string] as number);
  }
  return total;
}

/**
 * `fsRoot`: the simulated guest's filesystem on the host; the paths inside ca.json are the
 * guest's own (`/etc/step-ca/...`) and resolve under it, as they would inside the guest.
 */
export function loadCaConfig(configPath: string, password: string, fsRoot?: string): SimCaConfig {
  const inGuest = (path: string): string => (fsRoot ? join(fsRoot, posix.normalize(path)) : path);
  const readFileSync = (path: string, encoding: 'utf8'): string => readFile(inGuest(path), encoding);
  const raw = CaJson.parse(JSON.parse(readFileSync(configPath, 'utf8')));
  const rootPaths = Array.isArray(raw.root) ? raw.root : [raw.root];
  const roots = rootPaths.map((path) => readFileSync(path, 'utf8'));
  let intermediateKey: KeyObject;
  try {
    intermediateKey = createPrivateKey({ key: readFileSync(raw.key, 'utf8'), passphrase: password });
  } catch {
    // step-ca's own words for a wrong password.
    throw new Error('x509: decryption password incorrect');
  }
  const separator = raw.address.lastIndexOf(':');
  if (separator < 0) throw new Error(`address ${raw.address} must be host:port`);
  const global = raw.authority.claims ?? {};
  const pick = (
    p: SimProvisioner,
    key: 'minTLSCertDuration' | 'maxTLSCertDuration' | 'defaultTLSCertDuration',
    fallback: string,
  ): number => goDurationMs(p.claims?.[key] ?? global[key] ?? fallback);
  return {
    raw,
    roots,
    intermediatePem: readFileSync(raw.crt, 'utf8'),
    intermediateKey,
    dnsNames: raw.dnsNames,
    host: raw.address.slice(0, separator).replace(/^\[|\]$/g, ''),
    port: Number(raw.address.slice(separator + 1)),
    provisioners: raw.authority.provisioners,
    backdateMs: goDurationMs(raw.authority.backdate ?? '1m'),
    hasDb: Boolean(raw.db),
    claimsFor: (p) => ({
      minMs: pick(p, 'minTLSCertDuration', '5m'),
      maxMs: pick(p, 'maxTLSCertDuration', '24h'),
      defaultMs: pick(p, 'defaultTLSCertDuration', '24h'),
      disableRenewal: p.claims?.disableRenewal ?? global.disableRenewal ?? false,
    }),
  };
}
