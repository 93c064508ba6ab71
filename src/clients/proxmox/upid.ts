/** UPID parsing and formatting (spec §4.1: nine colon-separated fields, trailing colon). */
import type { Upid } from './types.ts';

const UPID_RE =
  /^UPID:([a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s/]+):([^:\s/]*):([^:\s/]+):$/;

/** Parses a UPID; returns undefined for anything that is not one (callers decide how to fail). */
export function parseUpid(text: string): Upid | undefined {
  const m = UPID_RE.exec(text);
  if (!m) return undefined;
  const [, node, pid, pstart, starttime, type, id, fullUser] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const bang = fullUser.indexOf('!');
  return {
    upid: text,
    node,
    pid: Number.parseInt(pid, 16),
    pstart: Number.parseInt(pstart, 16),
    starttime: Number.parseInt(starttime, 16),
    type,
    id,
    user: bang < 0 ? fullUser : fullUser.slice(0, bang),
    ...(bang < 0 ? {} : { tokenid: fullUser.slice(bang + 1) }),
  };
}

export function isUpid(value: unknown): value is string {
  return typeof value === 'string' && UPID_RE.test(value);
}

function hex8(n: number): string {
  return n.toString(16).toUpperCase().padStart(8, '0');
}

export function formatUpid(u: Omit<Upid, 'upid'>): string {
  const user = u.tokenid ? `${u.user}!${u.tokenid}` : u.user;
  return `UPID:${u.node}:${hex8(u.pid)}:${hex8(u.pstart)}:${hex8(u.starttime)}:${u.type}:${u.id}:${user}:`;
}
