/**
 * Ownership marker. PVE objects with a comment field (bridges, firewall rules, security groups,
 * IP sets, aliases, pools, users, API tokens) are Phoenix's when the comment starts with the
 * marker: `phoenix[<environment>]` alone, or `phoenix[<environment>]: <the declared comment>`.
 * Another environment's marker makes the object foreign (never touched; declaring it is a
 * conflict). The marker of earlier versions, `phoenix` / `phoenix: ...` without an environment,
 * is adopted when declared (the next apply rewrites it with the environment: migration) but
 * never deleted by prune, destroy or replace until it carries this environment's marker.
 * Objects without a comment field are handled where they are defined (see readme.md).
 */
export const MARKER = 'phoenix';

const PATTERN = /^phoenix(?:\[([a-z0-9][a-z0-9_.-]*)\])?(?::(.*))?$/s;

export type Owner = { kind: 'ours' } | { kind: 'legacy' } | { kind: 'foreign'; environment: string } | { kind: 'none' };

export interface Marker {
  /** This environment (undefined: any marker counts as ours, as before environments existed). */
  readonly environment?: string;
  /** The comment Phoenix writes for a declared comment (or none). */
  mark(comment: string | undefined): string;
  owner(comment: unknown): Owner;
  /** True when the comment carries this environment's marker. */
  owned(comment: unknown): boolean;
  /**
   * The marker of earlier versions, without an environment: this environment's to update (a
   * declared object is re-marked by the next apply), never to delete (it may be another
   * environment's that has not applied since the upgrade).
   */
  legacy(comment: unknown): boolean;
  /** The other environment whose marker the comment carries (undefined: ours or unmarked). */
  foreign(comment: unknown): string | undefined;
}

function parse(comment: unknown): { environment?: string; rest?: string } | undefined {
  if (typeof comment !== 'string') return undefined;
  const m = PATTERN.exec(comment.trim());
  if (!m) return undefined;
  return { environment: m[1], rest: m[2] };
}

export function marker(environment?: string): Marker {
  const head = environment ? `${MARKER}[${environment}]` : MARKER;
  const owner = (comment: unknown): Owner => {
    const p = parse(comment);
    if (!p) return { kind: 'none' };
    if (!environment || p.environment === environment) return { kind: 'ours' };
    if (!p.environment) return { kind: 'legacy' };
    return { kind: 'foreign', environment: p.environment };
  };
  return {
    environment,
    mark: (comment) => (comment ? `${head}: ${comment}` : head),
    owner,
    owned: (comment) => owner(comment).kind === 'ours',
    legacy: (comment) => owner(comment).kind === 'legacy',
    foreign: (comment) => {
      const o = owner(comment);
      return o.kind === 'foreign' ? o.environment : undefined;
    },
  };
}

/** The marker without an environment (tests, and code that has none). */
const legacy = marker();

/** The comment Phoenix writes for a declared comment (or none), without an environment. */
export function markComment(comment: string | undefined): string {
  return legacy.mark(comment);
}

/** True when the observed comment carries a marker of this (or no) environment. */
export function isOwned(comment: unknown): boolean {
  return legacy.owned(comment);
}

/** The user's part of a marked comment (undefined when none). */
export function userComment(comment: unknown): string | undefined {
  if (typeof comment !== 'string') return undefined;
  const p = parse(comment);
  if (!p) return comment.trim() || undefined;
  return p.rest?.trim() || undefined;
}
