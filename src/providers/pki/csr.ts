/**
 * A certificate signing request for a leaf: CN + subjectAltName (DNS names and IP addresses
 * told apart), signed with the leaf's own key. The key pair is generated off the event loop.
 */
import 'reflect-metadata';
import { isIP } from 'node:net';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { newKeyPair, plainPkcs8, signingAlgorithm, toCryptoKeys, type KeyType } from './keys.ts';

x509.cryptoProvider.set(webcrypto as never);

export interface LeafRequest {
  commonName: string;
  /** Every name the certificate carries (the CN included); DNS names and IPs. */
  sans: string[];
  keyType?: KeyType;
}

export interface LeafCsr {
  csrPem: string;
  /** Plain PKCS#8, written only to the guest (mode 0600); never logged or stored. */
  keyPem: string;
  keyType: KeyType;
}

export function sanEntries(sans: string[]): x509.JsonGeneralName[] {
  return sans.map((name) => (isIP(name) ? { type: 'ip', value: name } : { type: 'dns', value: name }));
}

export async function newLeafCsr(request: LeafRequest): Promise<LeafCsr> {
  const keyType = request.keyType ?? 'EC-P256';
  const pair = await newKeyPair(keyType);
  const keys = await toCryptoKeys(pair);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${request.commonName}`,
    keys,
    signingAlgorithm: signingAlgorithm(keyType),
    extensions: [new x509.SubjectAlternativeNameExtension(sanEntries(request.sans))],
  });
  return { csrPem: csr.toString('pem') + '\n', keyPem: plainPkcs8(pair.privateKey), keyType };
}
