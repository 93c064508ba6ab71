/**
 * One-time tokens for step-ca's JWK provisioner: an ES256 JWT signed with the provisioner's
 * private key (header `kid` + claim `iss` select the provisioner, `aud` is the endpoint URL,
 * `sub`/`sans` the names, `sha` the pinned root fingerprint, `jti` the reuse key).
 * The private key comes from the provisioner's `encryptedKey` JWE, opened with the
 * provisioner password; it stays in memory as a non-extractable CryptoKey.
 */
import { randomBytes, type webcrypto } from 'node:crypto';
import { SignJWT, compactDecrypt, importJWK, type JWK } from 'jose';

export interface ProvisionerSigner {
  name: string;
  kid: string;
  key: webcrypto.CryptoKey;
}

/** step writes p2c = 100000; anything far above is refused (a JWE could otherwise burn CPU). */
const MAX_PBES2_COUNT = 600_000;

export async function openProvisioner(
  name: string,
  encryptedKey: string,
  password: string,
): Promise<ProvisionerSigner> {
  let jwk: JWK;
  try {
    const { plaintext } = await compactDecrypt(encryptedKey, new TextEncoder().encode(password), {
      keyManagementAlgorithms: ['PBES2-HS256+A128KW'],
      contentEncryptionAlgorithms: ['A256GCM', 'A128GCM'],
      maxPBES2Count: MAX_PBES2_COUNT,
    });
    jwk = JSON.parse(new TextDecoder().decode(plaintext)) as JWK;
  } catch {
    throw new Error(`provisioner ${name}: the encrypted key cannot be opened (wrong provisioner password?)`);
  }
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.d || !jwk.kid) {
    throw new Error(`provisioner ${name}: the key is not an EC P-256 private JWK with a kid`);
  }
  const key = (await importJWK({ ...jwk, ext: false }, 'ES256')) as webcrypto.CryptoKey;
  return { name, kid: jwk.kid, key };
}

export interface TokenClaims {
  /** Full endpoint URL, e.g. `https://ca.home.arpa/1.0/sign`. */
  audience: string;
  subject: string;
  sans?: string[];
  /** Root fingerprint (hex); not checked by step-ca 0.19 but part of step's token format. */
  sha?: string;
  /** Seconds; step uses 5 minutes. */
  lifetime?: number;
  now?: Date;
  /** Override only to test replay refusal. */
  jti?: string;
}

export async function oneTimeToken(signer: ProvisionerSigner, claims: TokenClaims): Promise<string> {
  const now = Math.floor((claims.now ?? new Date()).getTime() / 1000);
  const payload: Record<string, unknown> = {};
  if (claims.sans) payload.sans = claims.sans;
  if (claims.sha) payload.sha = claims.sha;
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'ES256', kid: signer.kid, typ: 'JWT' })
    .setIssuer(signer.name)
    .setAudience(claims.audience)
    .setSubject(claims.subject)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + (claims.lifetime ?? 300))
    .setJti(claims.jti ?? randomBytes(32).toString('hex'))
    .sign(signer.key);
}
