/**
 * Who may call the API. Bearer tokens (stored hashed, scopes `read` < `operate`) for scripts;
 * browser sessions (an HttpOnly SameSite=Strict cookie made from a token) for the dashboard,
 * whose state-changing requests must also carry the session's CSRF token and a same-origin
 * Origin header. Failed attempts are rate limited per client address.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { StateStore, TokenScope } from '../gitops/store.ts';
import { safeEqual } from './webhooks.ts';

export type Scope = TokenScope;

export interface Principal {
  scope: Scope;
  /** `token:<id>` or `session:<token id>`, for history ("approved by"). */
  who: string;
  via: 'bearer' | 'session';
}

interface Session {
  scope: Scope;
  tokenId: string;
  csrf: string;
  expiresAt: number;
}

export const SESSION_COOKIE = 'phoenix_session';

export function allows(have: Scope, need: Scope): boolean {
  return have === 'operate' || need === 'read';
}

/** Fixed-window limiter of failed attempts per key (client address). */
export class FailureLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();
  constructor(
    private readonly max = 10,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  blocked(key: string): boolean {
    const w = this.windows.get(key);
    return w !== undefined && this.now() - w.start < this.windowMs && w.count >= this.max;
  }

  /** Seconds until the window ends (for Retry-After). */
  retryAfter(key: string): number {
    const w = this.windows.get(key);
    return w ? Math.max(1, Math.ceil((w.start + this.windowMs - this.now()) / 1000)) : 1;
  }

  fail(key: string): void {
    const now = this.now();
    const w = this.windows.get(key);
    if (!w || now - w.start >= this.windowMs) this.windows.set(key, { start: now, count: 1 });
    else w.count += 1;
    if (this.windows.size > 10_000) this.windows.clear();
  }
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

export class Authenticator {
  private readonly sessions = new Map<string, Session>();
  readonly limiter = new FailureLimiter();

  constructor(
    private readonly store: StateStore,
    private readonly sessionTtlMs = 12 * 3600_000,
  ) {}

  /** The caller, or undefined (no or unknown credentials). */
  identify(req: IncomingMessage): Principal | undefined {
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) {
      const found = this.store.gitops.tokens.verify(auth.slice(7).trim());
      return found ? { scope: found.scope, who: `token:${found.id}`, via: 'bearer' } : undefined;
    }
    const session = this.session(req);
    return session ? { scope: session.scope, who: `session:${session.tokenId}`, via: 'session' } : undefined;
  }

  private session(req: IncomingMessage): Session | undefined {
    const sid = cookie(req, SESSION_COOKIE);
    if (!sid) return undefined;
    const s = this.sessions.get(sid);
    if (!s || s.expiresAt < Date.now()) {
      this.sessions.delete(sid);
      return undefined;
    }
    return s;
  }

  /** A session request that changes something must prove it comes from the dashboard itself. */
  csrfOk(req: IncomingMessage): boolean {
    const s = this.session(req);
    if (!s) return false;
    const sent = req.headers['x-csrf-token'];
    if (typeof sent !== 'string' || !safeEqual(sent, s.csrf)) return false;
    const origin = req.headers.origin;
    return origin === undefined || origin === `http://${req.headers.host}` || origin === `https://${req.headers.host}`;
  }

  csrfOf(req: IncomingMessage): string | undefined {
    return this.session(req)?.csrf;
  }

  /** Exchanges a token for a session; returns the Set-Cookie value and the CSRF token. */
  login(token: string, secure: boolean): { cookie: string; csrf: string; scope: Scope } | undefined {
    const found = this.store.gitops.tokens.verify(token);
    if (!found) return undefined;
    const sid = randomBytes(32).toString('base64url');
    const csrf = randomBytes(32).toString('base64url');
    this.sessions.set(sid, { scope: found.scope, tokenId: found.id, csrf, expiresAt: Date.now() + this.sessionTtlMs });
    const attrs = [
      `${SESSION_COOKIE}=${sid}`,
      'HttpOnly',
      'SameSite=Strict',
      'Path=/',
      `Max-Age=${Math.floor(this.sessionTtlMs / 1000)}`,
    ];
    if (secure) attrs.push('Secure');
    return { cookie: attrs.join('; '), csrf, scope: found.scope };
  }

  logout(req: IncomingMessage): string {
    const sid = cookie(req, SESSION_COOKIE);
    if (sid) this.sessions.delete(sid);
    return `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`;
  }
}
