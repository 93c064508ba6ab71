/**
 * Planning Swarm resources before their Docker Engine exists: on a fresh environment the
 * manager guest does not exist yet, or exists without Docker, so asking its API fails. When an
 * observation fails, one probe asks the guest whether it exists and has the engine's package;
 * if not, the resource is planned as created (its `dependsOn` puts it after the engine), and a
 * discovery finds nothing. Any other failure stays an error: an engine that is installed but
 * does not answer is never mistaken for an empty Swarm, an unreachable node never for an
 * empty guest.
 */
import type { ResourceHandler } from '../../engine/handler.ts';
import { guestMissing } from '../node/guest-presence.ts';
import type { ShellResolver } from '../node/resolver.ts';
import type { TargetRef } from '../node/shell.ts';

async function engineMissing(shells: ShellResolver, target: TargetRef, enginePackage: string): Promise<boolean> {
  if ((await guestMissing(shells, target)) !== null) return true;
  const probe = await shells(target).exec(['dpkg-query', '-W', '-f', '${Status}\\n', enginePackage], {
    idempotent: true,
  });
  return !(probe.code === 0 && probe.stdout.includes('install ok installed'));
}

/**
 * `handler` whose observation fails softly while the manager's engine is not there yet, and whose
 * discovery finds nothing where no Swarm is declared or the nodes cannot be reached.
 */
export function untilEngineExists<D, O>(
  handler: ResourceHandler<D, O>,
  shells: ShellResolver | undefined,
  enginePackage: string,
  manager: TargetRef | undefined,
): ResourceHandler<D, O> {
  const observeAll = handler.observeAll?.bind(handler);
  return {
    ...handler,
    async observe(request) {
      try {
        return await handler.observe(request);
      } catch (error) {
        const target = (request.resource.desired as { target?: TargetRef }).target ?? manager;
        if (!shells || !target || !(await engineMissing(shells, target, enginePackage))) throw error;
        return { observed: null };
      }
    },
    ...(observeAll
      ? {
          async observeAll(request) {
            // No Swarm declared, or no node access (then nothing of it is managed: derive says so):
            // there is no Docker API to discover anything on.
            if ((!manager || !shells) && request.resources.length === 0) return { found: [] };
            try {
              return await observeAll(request);
            } catch (error) {
              if (!shells || !manager || !(await engineMissing(shells, manager, enginePackage))) throw error;
              return { found: [] };
            }
          },
        }
      : {}),
  };
}
