/**
 * Request authentication (spec §2): `Authorization: PVEAPIToken=USER@REALM!ID=SECRET` (or with a
 * space), `PVEAuthCookie` cookie or header tickets (the ticket wins when both are sent), CSRF
 * for ticket-authenticated non-GET requests. Failures are the exact 401 texts of the spec.
 */
import { SimApiError, type SimCaller } from '../contract.ts';
import { secretMatches, type AccessStore } from './store.ts';
import { verifyCsrfToken, verifyTicket } from './tickets.ts';

export type AuthMethod = 'token' | 'ticket';

export interface AuthResult {
  caller: SimCaller;
  method: AuthMethod;
}

export interface AuthHeaders {
  authorization?: string;
  cookie?: string;
  csrfpreventiontoken?: string;
}

const TOKEN_RE = /^([^\s:/]+@[A-Za-z][A-Za-z0-9.\-_]+)!([A-Za-z][A-Za-z0-9.\-_]+)$/;

function authFailed(): SimApiError {
  return new SimApiError(401, 'Authentication failed!');
}

function cookieTicket(headers: AuthHeaders): string | undefined {
  const fromCookie = /(?:^|;\s*)PVEAuthCookie=([^;]*)/.exec(headers.cookie ?? '');
  if (fromCookie) return decodeURIComponent(fromCookie[1] as string);
  const fromHeader = /(?:^|\s)PVEAuthCookie=([^;\s]*)/.exec(headers.authorization ?? '');
  return fromHeader ? decodeURIComponent(fromHeader[1] as string) : undefined;
}

function userUsable(store: AccessStore, userid: string, nowS: number): boolean {
  const user = store.users.get(userid);
  return user !== undefined && user.enable === 1 && (user.expire === 0 || user.expire > nowS);
}

export function authenticate(store: AccessStore, method: string, headers: AuthHeaders, nowS: number): AuthResult {
  const ticket = cookieTicket(headers);
  if (ticket !== undefined) {
    const userid = verifyTicket(store.ticketSecret, ticket, nowS);
    if (userid === undefined || !userUsable(store, userid, nowS)) throw authFailed();
    if (method !== 'GET') {
      const csrf = headers.csrfpreventiontoken;
      if (!csrf || !verifyCsrfToken(store.ticketSecret, csrf, userid, nowS)) {
        throw new SimApiError(401, 'Permission denied - invalid csrf token');
      }
    }
    return { caller: { userid }, method: 'ticket' };
  }
  const tokenHeader = /(?:^|\s)PVEAPIToken(?:=| )([^;]*)/.exec(headers.authorization ?? '');
  if (!tokenHeader) throw new SimApiError(401, 'No ticket');
  let value: string;
  try {
    value = decodeURIComponent(tokenHeader[1] as string);
  } catch {
    throw authFailed();
  }
  const split = value.lastIndexOf('=');
  if (split < 0) throw authFailed();
  const m = TOKEN_RE.exec(value.slice(0, split));
  if (!m) throw authFailed();
  const userid = m[1] as string;
  const tokenid = m[2] as string;
  const token = store.tokens.get(`${userid}!${tokenid}`);
  if (!token || !userUsable(store, userid, nowS)) throw authFailed();
  if (token.expire !== 0 && token.expire <= nowS) throw authFailed();
  if (!secretMatches(value.slice(split + 1), token.secretHash)) throw authFailed();
  return { caller: { userid, tokenid }, method: 'token' };
}
