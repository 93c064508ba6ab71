/**
 * Phoenix's own access: the API token it is logged in with, that token's user, the ACL entries
 * granting to either, and the roles those declared entries use. Phoenix never creates, changes
 * or deletes them — rotating the token would cut the branch it sits on (every later call 401),
 * and writing its own role or ACLs would let it widen its own rights. They are observed and
 * compared; a difference is a warning naming the `pveum` command an administrator runs.
 */
import type { AttributeChange } from '../../engine/plan/types.ts';
import type { ListHandlerSpec } from './list-handler.ts';

export interface SelfAccess {
  /** `user@realm!token` Phoenix authenticates with. */
  tokenId: string;
  /** Roles the config grants to that user or token. */
  roles: readonly string[];
}

export const selfUser = (self: SelfAccess): string => self.tokenId.split('!')[0] ?? self.tokenId;

/** Attribute paths that are bookkeeping, not rights: never a reason to warn about Phoenix's own access. */
const IGNORED = new Set(['comment', 'secret']);

export interface SelfGuard<Value> {
  self?: SelfAccess;
  /** Whether the object (desired or observed value) is part of Phoenix's own access. */
  isSelf(self: SelfAccess, address: string, value: Value): boolean;
  /** The command that would make the system match the config (for the warning's hint). */
  fix?(address: string): string;
}

/** Wraps a list-handler spec so Phoenix's own access is observe-only. */
export function guardSelf<D, O>(spec: ListHandlerSpec<D, O>, guard: SelfGuard<D | O>): ListHandlerSpec<D, O> {
  const { self } = guard;
  if (!self) return spec;
  const refuse = (address: string) =>
    Promise.reject(new Error(`${address} is Phoenix's own access: Phoenix never changes it`));
  const mine = (address: string, value: D | O) => guard.isSelf(self, address, value);
  const unverified = new WeakSet<object>();
  return {
    ...spec,
    async list(ctx, desired) {
      // Never owned: prune, destroy and replace skip it, whatever marker it carries.
      // Not foreign either: whichever environment's marker it carries, it is compared, never changed.
      const listed = (await spec.list(ctx, desired)).map((item) =>
        mine(item.address, item.observed) ? { ...item, owned: false, foreign: undefined } : item,
      );
      // Its own ACL entries are invisible to the least-privilege token (listing them needs
      // Permissions.Modify). Missing is not a reason to create: it stands as declared, unverified.
      const seen = new Set(listed.map((item) => item.address));
      for (const r of desired) {
        if (seen.has(r.address) || !mine(r.address, r.desired)) continue;
        const observed = r.desired as unknown as O;
        unverified.add(observed as object);
        listed.push({ address: r.address, observed, owned: false, summary: `${r.address} (not visible)` });
      }
      return listed;
    },
    diff(req) {
      if (!mine(req.resource.address, req.resource.desired)) return spec.diff(req);
      const noop = { action: 'noop' as const, changes: [], requiresReplace: [], requiresRestart: false };
      const reason = "Phoenix's own access: never changed by Phoenix";
      if (req.observed === null || unverified.has(req.observed as object))
        return { ...noop, reasons: [`${reason} (not visible to its token)`] };
      const differs: AttributeChange[] = spec.diff(req).changes.filter((c) => !IGNORED.has(c.path));
      if (differs.length === 0) return { ...noop, reasons: [reason] };
      return {
        ...noop,
        reasons: [reason],
        diagnostics: [
          {
            severity: 'warning',
            code: 'W_SELF_ACCESS',
            message: `${req.resource.address} differs from the configuration (${differs.map((c) => c.path).join(', ')}); Phoenix does not change its own access`,
            hint: guard.fix
              ? `as an administrator: ${guard.fix(req.resource.address)}`
              : 'change it as an administrator, or change the configuration to match',
          },
        ],
      };
    },
    create: (ctx, r) => (mine(r.address, r.desired) ? refuse(r.address) : spec.create(ctx, r)),
    update: (ctx, r, o) => (mine(r.address, r.desired) ? refuse(r.address) : spec.update(ctx, r, o)),
    remove: (ctx, address, o) => (mine(address, o) ? refuse(address) : spec.remove(ctx, address, o)),
  };
}
