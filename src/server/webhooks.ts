/**
 * Push webhooks of GitHub, Gitea/Forgejo (HMAC-SHA256 of the raw body) and GitLab (a shared
 * token), verified in constant time. Anything unsigned, wrongly signed, or of an unknown
 * sender is refused: the caller answers 401 and starts nothing.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export type WebhookProvider = 'github' | 'gitea' | 'forgejo' | 'gitlab';

export type WebhookVerdict =
  | { ok: true; provider: WebhookProvider; event: 'push' | 'ping' | 'other'; ref?: string; after?: string }
  | { ok: false; reason: string };

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Equal-time comparison of two strings of any length (digests first, so lengths match). */
export function safeEqual(a: string, b: string): boolean {
  const key = 'phoenix-compare';
  const da = createHmac('sha256', key).update(a).digest();
  const db = createHmac('sha256', key).update(b).digest();
  return timingSafeEqual(da, db) && a.length === b.length;
}

function hmacHex(secret: string, body: Buffer): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

export function verifyWebhook(headers: IncomingHttpHeaders, body: Buffer, secret: string | undefined): WebhookVerdict {
  if (!secret) return { ok: false, reason: 'no webhook secret is configured' };
  let provider: WebhookProvider;
  let eventName: string | undefined;
  const forgejo = header(headers, 'x-forgejo-signature');
  const gitea = header(headers, 'x-gitea-signature');
  const github = header(headers, 'x-hub-signature-256');
  const gitlab = header(headers, 'x-gitlab-token');
  if (forgejo !== undefined || gitea !== undefined) {
    provider = forgejo !== undefined ? 'forgejo' : 'gitea';
    if (!safeEqual((forgejo ?? gitea ?? '').toLowerCase(), hmacHex(secret, body)))
      return { ok: false, reason: 'bad signature' };
    eventName = header(headers, 'x-forgejo-event') ?? header(headers, 'x-gitea-event');
  } else if (github !== undefined) {
    provider = 'github';
    if (!safeEqual(github.toLowerCase(), `sha256=${hmacHex(secret, body)}`))
      return { ok: false, reason: 'bad signature' };
    eventName = header(headers, 'x-github-event');
  } else if (gitlab !== undefined) {
    provider = 'gitlab';
    if (!safeEqual(gitlab, secret)) return { ok: false, reason: 'bad token' };
    eventName = header(headers, 'x-gitlab-event');
  } else {
    return { ok: false, reason: 'unsigned request' };
  }
  const event = eventName === 'push' || eventName === 'Push Hook' ? 'push' : eventName === 'ping' ? 'ping' : 'other';
  let payload: { ref?: unknown; after?: unknown } = {};
  try {
    payload = JSON.parse(body.toString('utf8')) as typeof payload;
  } catch {
    if (event === 'push') return { ok: false, reason: 'push payload is not JSON' };
  }
  return {
    ok: true,
    provider,
    event,
    ...(typeof payload.ref === 'string' ? { ref: payload.ref } : {}),
    ...(typeof payload.after === 'string' ? { after: payload.after } : {}),
  };
}
