/** Test-only: a throw-away CA and a leaf certificate for 127.0.0.1 (for the TLS tests). */
// x509's dependency injection needs the Reflect metadata polyfill loaded first.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

export interface TestPki {
  caPem: string;
  leafPem: string;
  leafKeyPem: string;
  /** SHA-256 fingerprint of the leaf, `AA:BB:...`. */
  leafFingerprint: string;
}

const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

async function keyPem(key: webcrypto.CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

/** A fresh CA and a leaf for 127.0.0.1 signed by it. */
export async function makeTestPki(): Promise<TestPki> {
  x509.cryptoProvider.set(webcrypto as never);
  const caKeys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const now = Date.now();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=Phoenix Test CA',
    keys: caKeys,
    signingAlgorithm: alg,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 86_400_000),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
    ],
  });
  const leafKeys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const leaf = await x509.X509CertificateGenerator.create({
    subject: 'CN=127.0.0.1',
    issuer: ca.subject,
    publicKey: leafKeys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: alg,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 86_400_000),
    extensions: [
      new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: '127.0.0.1' }]),
      new x509.BasicConstraintsExtension(false),
    ],
  });
  const thumb = Buffer.from(await leaf.getThumbprint('SHA-256', webcrypto as never))
    .toString('hex')
    .toUpperCase();
  return {
    caPem: ca.toString('pem'),
    leafPem: leaf.toString('pem'),
    leafKeyPem: await keyPem(leafKeys.privateKey),
    leafFingerprint: thumb.match(/../g)!.join(':'),
  };
}
