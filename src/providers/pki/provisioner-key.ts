/**
 * The JWK provisioner Phoenix signs its one-time tokens with: an EC P-256 key whose public
 * half goes into ca.json (`key`, `kid` = RFC 7638 SHA-256 thumbprint) and whose private half
 * is stored as step-ca expects (`encryptedKey`: compact JWE, PBES2-HS256+A128KW / A256GCM,
 * `cty: jwk+json`, p2c 100000) under the provisioner password. All JOSE work is `jose`'s.
 */
import { CompactEncrypt, calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

export interface ProvisionerKey {
  /** Public JWK with `use`, `kid`, `alg`; the `key` of the JWK provisioner in ca.json. */
  publicJwk: JWK & { kid: string };
  /** Compact JWE of the private JWK. */
  encryptedKey: string;
}

/** step's own iteration count; also the minimum clients must accept when decrypting. */
export const PBES2_COUNT = 100_000;

export async function newProvisionerKey(password: string): Promise<ProvisionerKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const pub = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(pub, 'sha256');
  const priv = { ...(await exportJWK(privateKey)), use: 'sig', alg: 'ES256', kid };
  const encryptedKey = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(priv)))
    .setProtectedHeader({ alg: 'PBES2-HS256+A128KW', enc: 'A256GCM', cty: 'jwk+json' })
    .setKeyManagementParameters({ p2c: PBES2_COUNT })
    .encrypt(new TextEncoder().encode(password));
  return { publicJwk: { use: 'sig', kty: pub.kty, kid, crv: pub.crv, alg: 'ES256', x: pub.x, y: pub.y }, encryptedKey };
}
