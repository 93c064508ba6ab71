/**
 * Planning in-guest resources before their guest exists: on a fresh environment `pct exec` into
 * CT 101 fails (`Configuration file ... does not exist`, or `CT 101 not running` between create and
 * start), so the observation of its files, packages and services fails. When an observation
 * fails, one probe asks the guest; if the guest is not there (or not running) yet, the resource
 * is planned as created (its `dependsOn` puts it after the guest). Any other failure stays an
 * error: an unreachable node is never mistaken for an empty guest. Costs nothing when the
 * observation succeeds.
 */
import type { ResourceHandler } from '../../engine/handler.ts';
import type { TargetRef } from './shell.ts';
import type { ShellResolver } from './resolver.ts';

/** pct's and the guest agent's answers for a guest that does not exist or does not run. */
const NOT_THERE = /does not exist|not running|No QEMU guest agent configured|QEMU guest agent is not running/i;

export async function guestMissing(shells: ShellResolver, target: TargetRef): Promise<string | null> {
  if (target.kind === 'node') return null;
  try {
    const probe = await shells(target).exec(['true'], { idempotent: true });
    const text = `${probe.stderr}\n${probe.stdout}`;
    return probe.code !== 0 && NOT_THERE.test(text) ? text.trim() : null;
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    return NOT_THERE.test(text) ? text : null;
  }
}

/** `handler` whose observation of a guest that is not there yet is "absent" instead of an error. */
export function untilGuestExists<D extends { target: TargetRef }, O>(
  handler: ResourceHandler<D, O>,
  shells: ShellResolver,
): ResourceHandler<D, O> {
  return {
    ...handler,
    async observe(request) {
      try {
        return await handler.observe(request);
      } catch (error) {
        const target = request.resource.desired.target;
        if ((await guestMissing(shells, target)) === null) throw error;
        // Absent, like the guest: the plan says "does not exist yet" and orders it after the guest.
        return { observed: null };
      }
    },
  };
}
