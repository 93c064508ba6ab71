/**
 * A self-signed certificate for the simulator's HTTPS listener (like a fresh PVE node's
 * `pve-ssl.pem`), generated with @peculiar/x509 over Node's WebCrypto. Clients pin it by the
 * SHA-256 fingerprint the simulator prints.
 */
// x509's dependency injection needs the Reflect metadata polyfill loaded first.
import 'reflect-metadata';
import { X509Certificate as NodeX509, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

export interface TlsMaterial {
  certPem: string;
  keyPem: string;
}

const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export async function generateSelfSigned(hosts: string[] = ['localhost', '127.0.0.1', '::1']): Promise<TlsMaterial> {
  x509.cryptoProvider.set(webcrypto as never);
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const now = Date.now();
  const names = hosts.map((host) =>
    /^[\d.]+$/.test(host) || host.includes(':')
      ? { type: 'ip' as const, value: host }
      : { type: 'dns' as const, value: host },
  );
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(8))).toString('hex'),
    name: 'CN=phoenix-sim, O=Phoenix PVE simulator',
    keys,
    signingAlgorithm: alg,
    notBefore: new Date(now - 3_600_000),
    notAfter: new Date(now + 2 * 365 * 86_400_000),
    extensions: [
      new x509.SubjectAlternativeNameExtension(names),
      new x509.BasicConstraintsExtension(false),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { certPem: cert.toString('pem'), keyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY') };
}

/** `AA:BB:...` SHA-256 fingerprint of a PEM certificate (PVE's display format). */
export function fingerprintOf(certPem: string): string {
  return new NodeX509(certPem).fingerprint256;
}
