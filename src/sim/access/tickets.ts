/**
 * Tickets and CSRF tokens in PVE's layout (spec §2.2): ticket `PVE:<userid>:<HEXTIME>::<sig>`
 * (PVE signs with RSA; the simulator signs with HMAC-SHA256 since nobody verifies it offline),
 * CSRF token `<HEXTIME>:<base64 HMAC-SHA256("<HEXTIME>:<userid>")>`. Lifetime 2 hours.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const TICKET_LIFETIME_S = 2 * 3600;
/** PVE accepts tickets minted up to 5 minutes "in the future" (clock skew between nodes). */
const MAX_SKEW_S = 300;

function mac(secret: string, purpose: string, data: string): string {
  return createHmac('sha256', `${purpose}:${secret}`).update(data).digest('base64').replace(/=+$/, '');
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function hexTime(nowS: number): string {
  return Math.floor(nowS).toString(16).toUpperCase().padStart(8, '0');
}

export function createTicket(secret: string, userid: string, nowS: number): string {
  const data = `PVE:${userid}:${hexTime(nowS)}`;
  return `${data}::${mac(secret, 'ticket', data)}`;
}

/** The user id of a valid, unexpired ticket, else undefined. */
export function verifyTicket(secret: string, ticket: string, nowS: number): string | undefined {
  const m = /^(PVE:([^:]+):([0-9A-F]{8}))::(.+)$/.exec(ticket);
  if (!m) return undefined;
  const [, data, userid, hex, sig] = m as unknown as [string, string, string, string, string];
  if (!same(mac(secret, 'ticket', data), sig)) return undefined;
  const age = nowS - parseInt(hex, 16);
  return age < -MAX_SKEW_S || age > TICKET_LIFETIME_S ? undefined : userid;
}

export function createCsrfToken(secret: string, userid: string, nowS: number): string {
  const hex = hexTime(nowS);
  return `${hex}:${mac(secret, 'csrf', `${hex}:${userid}`)}`;
}

export function verifyCsrfToken(secret: string, token: string, userid: string, nowS: number): boolean {
  const m = /^([0-9A-F]{8}):(.+)$/.exec(token);
  if (!m) return false;
  const hex = m[1] as string;
  if (!same(mac(secret, 'csrf', `${hex}:${userid}`), m[2] as string)) return false;
  const age = nowS - parseInt(hex, 16);
  return age >= -MAX_SKEW_S && age <= TICKET_LIFETIME_S;
}
