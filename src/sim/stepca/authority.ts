/**
 * The simulated CA's signing core: leaves signed by the intermediate of ca.json, with step-ca
 * 0.19's default leaf profile (CN + SANs from the request, digitalSignature + keyEncipherment,
 * serverAuth + clientAuth, AKI/SKI, 1 min backdate), claims enforced (min/default/max TLS
 * durations), serials tracked for revocation. Certificates are real: any TLS stack or
 * `openssl verify` accepts them against the root.
 */
import 'reflect-metadata';
import { createPublicKey, randomBytes, webcrypto, X509Certificate as NodeX509 } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { SimCaConfig, TlsClaims } from './config.ts';

x509.cryptoProvider.set(webcrypto as never);

export class CaRefused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface LeafProfile {
  commonName?: string;
  sans: string[];
  publicKey: x509.PublicKey | webcrypto.CryptoKey;
  notBefore: Date;
  notAfter: Date;
}

function signingParams(key: SimCaConfig['intermediateKey']): webcrypto.EcKeyImportParams & webcrypto.EcdsaParams {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType === 'rsa') return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as never;
  return curve === 'secp384r1'
    ? { name: 'ECDSA', namedCurve: 'P-384', hash: 'SHA-384' }
    : { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
}

export class SimAuthority {
  private signingKey: Promise<webcrypto.CryptoKey>;
  readonly intermediate: x509.X509Certificate;
  readonly revoked = new Map<string, { reasonCode: number; at: Date }>();
  readonly issued = new Map<string, string>();

  constructor(readonly config: SimCaConfig) {
    this.intermediate = new x509.X509Certificate(config.intermediatePem);
    const der = config.intermediateKey.export({ type: 'pkcs8', format: 'der' });
    this.signingKey = webcrypto.subtle.importKey('pkcs8', der, signingParams(config.intermediateKey), false, ['sign']);
  }

  /** Validity for a request: default duration, or the requested notAfter, bounded by the claims. */
  validity(
    claims: TlsClaims,
    requested: { notBefore?: string; notAfter?: string },
    now = new Date(),
  ): { notBefore: Date; notAfter: Date } {
    const start = requested.notBefore ? parseBound(requested.notBefore, now) : now;
    const end = requested.notAfter ? parseBound(requested.notAfter, now) : new Date(start.getTime() + claims.defaultMs);
    const duration = end.getTime() - start.getTime();
    if (duration < claims.minMs)
      throw new CaRefused(
        403,
        `requested duration of ${duration / 1000}s is less than the authorized minimum certificate duration`,
      );
    if (duration > claims.maxMs)
      throw new CaRefused(
        403,
        `requested duration of ${duration / 1000}s is more than the authorized maximum certificate duration`,
      );
    const backdated = requested.notBefore ? start : new Date(start.getTime() - this.config.backdateMs);
    return { notBefore: backdated, notAfter: end };
  }

  async issue(profile: LeafProfile): Promise<{ crt: string; serial: string }> {
    const serialHex = randomBytes(16);
    serialHex[0] = (serialHex[0] as number) & 0x7f;
    const publicKey =
      profile.publicKey instanceof x509.PublicKey ? await profile.publicKey.export() : profile.publicKey;
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serialHex.toString('hex'),
      subject: profile.commonName ? [{ CN: [profile.commonName] }] : [],
      issuer: this.intermediate.subject,
      publicKey,
      signingKey: await this.signingKey,
      signingAlgorithm: signingParams(this.config.intermediateKey),
      notBefore: profile.notBefore,
      notAfter: profile.notAfter,
      extensions: [
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
        await x509.SubjectKeyIdentifierExtension.create(publicKey),
        await x509.AuthorityKeyIdentifierExtension.create(this.intermediate),
        ...(profile.sans.length > 0 ? [new x509.SubjectAlternativeNameExtension(sanEntries(profile.sans))] : []),
      ],
    });
    const crt = cert.toString('pem') + '\n';
    const serial = BigInt(`0x${serialHex.toString('hex')}`).toString(10);
    this.issued.set(serial, crt);
    return { crt, serial };
  }

  /** True when the certificate was signed by this CA's intermediate (what mTLS renew accepts). */
  issuedHere(pem: string): boolean {
    try {
      return new NodeX509(pem).verify(createPublicKey(this.config.intermediatePem));
    } catch {
      return false;
    }
  }

  revoke(serial: string, reasonCode: number): void {
    if (this.revoked.has(serial))
      throw new CaRefused(400, `certificate with serial number ${serial} has already been revoked`);
    this.revoked.set(serial, { reasonCode, at: new Date() });
  }
}

function sanEntries(sans: string[]): x509.JsonGeneralName[] {
  return sans.map((name) =>
    /^[\d.]+$/.test(name) || name.includes(':') ? { type: 'ip', value: name } : { type: 'dns', value: name },
  );
}

/** step's TimeDuration: an RFC 3339 time or a Go duration relative to now. */
function parseBound(value: string, now: Date): Date {
  const duration = /^(-?)((?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+)$/.exec(value);
  if (duration) {
    let ms = 0;
    const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
    for (const part of (duration[2] as string).matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g))
      ms += Number(part[1]) * (units[part[2] as string] as number);
    return new Date(now.getTime() + (duration[1] ? -ms : ms));
  }
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new CaRefused(400, `error parsing ${value}`);
  return new Date(time);
}
