/**
 * Ownership marker. PVE objects with a comment field (bridges, firewall rules, security groups,
 * IP sets, aliases, pools, users, API tokens) are Phoenix's when the comment starts with
 * `phoenix`: `phoenix` alone, or `phoenix: <the declared comment>`. Everything else is never
 * modified or deleted. Objects without a comment field are handled where they are defined
 * (storage and roles: see readme.md).
 */
export const MARKER = 'phoenix';

/** The comment Phoenix writes for a declared comment (or none). */
export function markComment(comment: string | undefined): string {
  return comment ? `${MARKER}: ${comment}` : MARKER;
}

/** True when the observed comment carries the marker. */
export function isOwned(comment: unknown): boolean {
  if (typeof comment !== 'string') return false;
  const c = comment.trim();
  return c === MARKER || c.startsWith(`${MARKER}:`);
}

/** The user's part of a marked comment (undefined when none). */
export function userComment(comment: unknown): string | undefined {
  if (typeof comment !== 'string') return undefined;
  const c = comment.trim();
  if (c === MARKER) return undefined;
  if (c.startsWith(`${MARKER}:`)) return c.slice(MARKER.length + 1).trim() || undefined;
  return c || undefined;
}
