/**
 * Shared helpers of the conformance suite: raw HTTP requests (for what `fetch` cannot send:
 * bodies on GET, chunked uploads, unknown verbs) and small API shortcuts.
 */
import { request } from 'node:http';
import type { TestSimulator } from '../testing.ts';

export interface RawResponse {
  status: number;
  reason: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function rawRequest(
  url: string,
  options: { method: string; path: string; headers?: Record<string, string>; body?: string; chunked?: boolean },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${options.path}`,
      { method: options.method, headers: options.headers, timeout: 10_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            reason: res.statusMessage ?? '',
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('raw request timed out')));
    if (options.chunked) {
      req.write(options.body ?? '');
      req.end();
    } else {
      req.end(options.body);
    }
  });
}

export function tokenHeader(token: string): Record<string, string> {
  return { Authorization: `PVEAPIToken=${token}` };
}

/** Creates `userid` with `password`, optionally an ACL, and returns nothing. */
export async function createUser(sim: TestSimulator, userid: string, password = 'secret-pass'): Promise<void> {
  const res = await sim.api('POST', '/access/users', { userid, password });
  if (res.status !== 200) throw new Error(`creating ${userid} failed: ${res.statusText}`);
}

/** Creates a token and returns the `PVEAPIToken` value (`user@realm!id=secret`). */
export async function createToken(sim: TestSimulator, userid: string, id: string, privsep: 0 | 1): Promise<string> {
  const res = await sim.api('POST', `/access/users/${encodeURIComponent(userid)}/token/${id}`, { privsep });
  const data = res.body?.data as { 'full-tokenid': string; value: string };
  return `${data['full-tokenid']}=${data.value}`;
}

export async function grant(sim: TestSimulator, path: string, roles: string, who: { users?: string; tokens?: string }) {
  const res = await sim.api('PUT', '/access/acl', { path, roles, ...who });
  if (res.status !== 200) throw new Error(`ACL update failed: ${res.statusText}`);
}
