/**
 * Host key trust for the node shell: a pinned `SHA256:<base64>` fingerprint (as `ssh-keygen -lf`
 * prints it) or an OpenSSH known_hosts file (plain and hashed `|1|salt|hmac` entries, `[host]:port`
 * for non-22 ports, comma lists, `*`/`?` wildcards, `!` negation, `@revoked`). There is no
 * "accept on first use": an unknown key is refused, because a silently trusted key would let
 * anyone on the path read every secret Phoenix writes to a node.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { PhoenixError } from '../../errors.ts';
import { fingerprintOf } from '../../util/ssh-fingerprint.ts';

/** How the caller decided to trust the host. Exactly one form is used. */
export type HostKeyPolicy = { fingerprint: string } | { knownHosts: string; knownHostsFile?: string };

/** One usable line of a known_hosts file. */
export interface KnownHostEntry {
  marker?: 'revoked' | 'cert-authority';
  /** Raw host field: comma list of patterns, or one `|1|salt|hash` entry. */
  hosts: string;
  keyType: string;
  /** The public key blob (SSH wire format), as decoded from base64. */
  key: Buffer;
  line: number;
}

export { fingerprintOf };

/** The name known_hosts uses for a host: bare for port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority') {
      marker = fields[0] === '@revoked' ? 'revoked' : 'cert-authority';
      fields.shift();
    }
    const [hosts, keyType, keyB64] = fields;
    if (hosts === undefined || keyType === undefined || keyB64 === undefined) return;
    const key = Buffer.from(keyB64, 'base64');
    if (key.length === 0) return;
    entries.push({ marker, hosts, keyType, key, line: index + 1 });
  });
  return entries;
}

function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

/** Does the entry's host field name this host? Handles hashed entries and negated patterns. */
export function hostFieldMatches(hosts: string, name: string): boolean {
  if (hosts.startsWith('|1|')) {
    const [, , saltB64, hashB64] = hosts.split('|');
    if (saltB64 === undefined || hashB64 === undefined) return false;
    const expected = Buffer.from(hashB64, 'base64');
    const actual = createHmac('sha1', Buffer.from(saltB64, 'base64')).update(name).digest();
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }
  let matched = false;
  for (const pattern of hosts.split(',')) {
    if (pattern.startsWith('!')) {
      if (globToRegExp(pattern.slice(1)).test(name)) return false;
    } else if (globToRegExp(pattern).test(name)) {
      matched = true;
    }
  }
  return matched;
}

export type HostKeyVerdict =
  { ok: true; fingerprint: string } | { ok: false; fingerprint: string; reason: 'mismatch' | 'unknown' | 'revoked' };

/** Decide whether the key a server presented is trusted. Pure: no I/O. */
export function checkHostKey(policy: HostKeyPolicy, host: string, port: number, keyBlob: Buffer): HostKeyVerdict {
  const fingerprint = fingerprintOf(keyBlob);
  if ('fingerprint' in policy) {
    const pinned = policy.fingerprint.trim().replace(/=+$/, '');
    return pinned === fingerprint ? { ok: true, fingerprint } : { ok: false, fingerprint, reason: 'mismatch' };
  }
  const name = knownHostsName(host, port);
  const entries = parseKnownHosts(policy.knownHosts).filter(
    (entry) => entry.marker !== 'cert-authority' && hostFieldMatches(entry.hosts, name),
  );
  if (entries.some((entry) => entry.marker === 'revoked' && entry.key.equals(keyBlob))) {
    return { ok: false, fingerprint, reason: 'revoked' };
  }
  const trusted = entries.filter((entry) => entry.marker === undefined);
  if (trusted.some((entry) => entry.key.equals(keyBlob))) return { ok: true, fingerprint };
  return { ok: false, fingerprint, reason: trusted.length > 0 ? 'mismatch' : 'unknown' };
}

/** The clear, non-retryable error for a refused host key. Shows fingerprints only, never key material. */
export function hostKeyError(
  policy: HostKeyPolicy,
  host: string,
  port: number,
  verdict: Extract<HostKeyVerdict, { ok: false }>,
): PhoenixError {
  const where = knownHostsName(host, port);
  const source =
    'fingerprint' in policy
      ? `the pinned fingerprint ${policy.fingerprint}`
      : `known_hosts${policy.knownHostsFile ? ` (${policy.knownHostsFile})` : ''}`;
  const summary =
    verdict.reason === 'unknown'
      ? `host key of ${where} is not in ${source}; refusing to connect`
      : verdict.reason === 'revoked'
        ? `host key of ${where} is marked @revoked in ${source}; refusing to connect`
        : `host key of ${where} does not match ${source}; refusing to connect (possible man-in-the-middle)`;
  return new PhoenixError(summary, {
    code: verdict.reason === 'unknown' ? 'E_SSH_HOST_KEY_UNKNOWN' : 'E_SSH_HOST_KEY_MISMATCH',
    detail: `the server presented ${verdict.fingerprint}`,
    hint:
      verdict.reason === 'unknown'
        ? `verify the fingerprint out of band (on the node: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), then pin it or add the host to known_hosts`
        : `if the node was reinstalled, verify its new fingerprint out of band and update the pin or known_hosts; otherwise do not proceed`,
  });
}
