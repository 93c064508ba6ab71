/**
 * Key pairs for the CA and its certificates. Generation runs on libuv's thread pool
 * (`crypto.generateKeyPair`, async) so issuing many certificates never blocks the event loop.
 * Private keys leave this module only as PEM strings the caller writes to a guest: encrypted
 * PKCS#8 for the CA keys (what step-ca 0.19 reads with its password), plain PKCS#8 for leaves.
 */
import { createPrivateKey, generateKeyPair, webcrypto, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';

export type KeyType = 'EC-P256' | 'EC-P384' | 'RSA-2048';

const generate = promisify(generateKeyPair);

export interface KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
  type: KeyType;
}

export async function newKeyPair(type: KeyType): Promise<KeyPair> {
  const pair =
    type === 'RSA-2048'
      ? await generate('rsa', { modulusLength: 2048 })
      : await generate('ec', { namedCurve: type === 'EC-P384' ? 'P-384' : 'P-256' });
  return { ...pair, type };
}

/** WebCrypto parameters for signing with a key of this type (what @peculiar/x509 expects). */
export function signingAlgorithm(type: KeyType): webcrypto.EcKeyImportParams & webcrypto.EcdsaParams {
  if (type === 'RSA-2048') return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as never;
  return type === 'EC-P384'
    ? { name: 'ECDSA', namedCurve: 'P-384', hash: 'SHA-384' }
    : { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
}

/** The pair as WebCrypto keys (for @peculiar/x509 signing); private key not extractable. */
export async function toCryptoKeys(pair: KeyPair): Promise<webcrypto.CryptoKeyPair> {
  const algorithm = signingAlgorithm(pair.type);
  const privateDer = pair.privateKey.export({ type: 'pkcs8', format: 'der' });
  const publicDer = pair.publicKey.export({ type: 'spki', format: 'der' });
  const [privateKey, publicKey] = await Promise.all([
    webcrypto.subtle.importKey('pkcs8', privateDer, algorithm, false, ['sign']),
    webcrypto.subtle.importKey('spki', publicDer, algorithm, true, ['verify']),
  ]);
  return { privateKey, publicKey };
}

/** `-----BEGIN ENCRYPTED PRIVATE KEY-----` (PKCS#8, AES-256-CBC, PBKDF2), step-ca's `--password-file` opens it. */
export function encryptedPkcs8(key: KeyObject, password: string): string {
  return key.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: password }) as string;
}

export function plainPkcs8(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }) as string;
}

/** Reads an encrypted PKCS#8 (or plain) PEM back; a wrong password throws without echoing it. */
export function openPrivateKey(pem: string, password?: string): KeyObject {
  try {
    return createPrivateKey(password === undefined ? pem : { key: pem, passphrase: password });
  } catch {
    throw new Error('the private key cannot be read: wrong password or not a PEM private key');
  }
}

export function keyTypeOf(key: KeyObject): KeyType {
  if (key.asymmetricKeyType === 'rsa') return 'RSA-2048';
  return key.asymmetricKeyDetails?.namedCurve === 'secp384r1' ? 'EC-P384' : 'EC-P256';
}
