/**
 * One-time-token checks as step-ca 0.19 makes them (authority/authorize.go, provisioner/jwk.go),
 * in the same order, with the same outcome on the wire: the CA answers a generic 401 and keeps
 * the reason for its log.
 *   1. parse; 2. `iat` not before the CA started; 3. provisioner by header `kid` + claim `iss`,
 *   audience = https://<one of dnsNames>[:any port]/1.0/<endpoint> (or /<endpoint>);
 *   4. `jti` burnt (even if a later check fails); 5. signature, `iss`, `nbf`/`exp` (1 min leeway);
 *   6. `sub` not empty.
 */
import { decodeJwt, decodeProtectedHeader, importJWK, jwtVerify, type JWK, type JWTPayload } from 'jose';
import type { SimProvisioner } from './config.ts';

export class TokenRefused extends Error {
  constructor(
    readonly status: number,
    reason: string,
  ) {
    super(reason);
  }
}

export interface TokenContext {
  provisioners: SimProvisioner[];
  dnsNames: string[];
  startedAt: number;
  usedJtis: Set<string>;
  disableIssuedAtCheck: boolean;
  now: () => Date;
}

export interface VerifiedToken {
  provisioner: SimProvisioner;
  claims: JWTPayload & { sans?: unknown; sha?: unknown };
}

function audienceMatches(aud: string, endpoint: 'sign' | 'revoke' | 'renew', dnsNames: string[]): boolean {
  let url: URL;
  try {
    url = new URL(aud);
  } catch {
    return false;
  }
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const path = url.pathname.replace(/\/+$/, '');
  return (
    url.protocol === 'https:' &&
    dnsNames.some((name) => name.toLowerCase() === host) &&
    (path === `/1.0/${endpoint}` || path === `/${endpoint}`)
  );
}

export async function verifyToken(
  token: string,
  endpoint: 'sign' | 'revoke',
  context: TokenContext,
): Promise<VerifiedToken> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  let unverified: JWTPayload;
  try {
    header = decodeProtectedHeader(token);
    unverified = decodeJwt(token);
  } catch {
    throw new TokenRefused(401, 'error parsing token');
  }
  if (
    !context.disableIssuedAtCheck &&
    typeof unverified.iat === 'number' &&
    unverified.iat * 1000 < context.startedAt - 999
  ) {
    throw new TokenRefused(401, 'token issued before the bootstrap of certificate authority');
  }
  const audiences = typeof unverified.aud === 'string' ? [unverified.aud] : (unverified.aud ?? []);
  const provisioner = context.provisioners.find(
    (p) => p.type.toUpperCase() === 'JWK' && p.key?.kid === header.kid && p.name === unverified.iss,
  );
  if (!provisioner || !audiences.some((aud) => audienceMatches(aud, endpoint, context.dnsNames))) {
    throw new TokenRefused(401, `provisioner not found or invalid audience (${audiences.join(', ')})`);
  }
  const jti =
    typeof unverified.jti === 'string' && unverified.jti !== ''
      ? `${provisioner.name}/${unverified.jti}`
      : `token/${token}`;
  if (context.usedJtis.has(jti)) throw new TokenRefused(401, 'token already used');
  context.usedJtis.add(jti);
  let claims: JWTPayload;
  try {
    const key = await importJWK(provisioner.key as JWK, (provisioner.key as JWK).alg ?? 'ES256');
    ({ payload: claims } = await jwtVerify(token, key, {
      issuer: provisioner.name,
      clockTolerance: 60,
      currentDate: context.now(),
      algorithms: ['ES256', 'ES384', 'ES512', 'EdDSA', 'RS256', 'PS256'],
    }));
  } catch (error) {
    throw new TokenRefused(401, `invalid jwk token: ${(error as Error).message}`);
  }
  if (!claims.sub) throw new TokenRefused(401, 'jwk token subject cannot be empty');
  return { provisioner, claims };
}
