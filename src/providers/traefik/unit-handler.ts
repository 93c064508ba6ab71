/**
 * `traefik.unit`: the systemd unit Phoenix writes for Traefik (Debian ships none). systemd reads
 * unit files only on `daemon-reload`, so that runs after the file changed — and only then: a
 * second apply with the same unit neither writes nor reloads systemd. A changed unit of a
 * running Traefik restarts it (its command line or environment changed); a first write does not
 * (the service resource starts Traefik after this).
 */
import { posix } from 'node:path';
import type { ResourceHandler } from '../../engine/handler.ts';
import { ProviderError } from '../../errors.ts';
import { sha256Hex } from '../../clients/ssh/ssh-client.ts';
import type { TargetRef, TargetShell } from '../node/index.ts';

export const UNIT_KIND = 'traefik.unit';

export interface UnitDesired {
  target: TargetRef;
  /** `/etc/systemd/system/traefik.service`. */
  path: string;
  content: string;
  /** The unit name (`traefik`). */
  unit: string;
}

export interface UnitObserved {
  /** sha256 of the unit file, null when absent. */
  sha256: string | null;
}

async function must(shell: TargetShell, argv: string[]): Promise<void> {
  const result = await shell.exec(argv, { timeoutMs: 120_000 });
  if (result.code !== 0)
    throw new ProviderError(
      `${argv.join(' ')} failed on the traefik guest: ${(result.stderr || result.stdout).trim()}`,
      {
        code: 'E_TRAEFIK_COMMAND',
      },
    );
}

export function unitHandler(shells: (target: TargetRef) => TargetShell): ResourceHandler<UnitDesired, UnitObserved> {
  const write = async (desired: UnitDesired, observed: UnitObserved | null): Promise<{ observed: UnitObserved }> => {
    const sha = sha256Hex(desired.content);
    if (observed?.sha256 === sha) return { observed };
    const shell = shells(desired.target);
    await must(shell, ['mkdir', '-p', posix.dirname(desired.path)]);
    await shell.writeFile(desired.path, desired.content, { mode: '0644', owner: 'root', group: 'root' });
    await must(shell, ['systemctl', 'daemon-reload']);
    if (observed?.sha256 != null) {
      const active = await shell.exec(['systemctl', 'is-active', desired.unit], { idempotent: true });
      if (active.stdout.trim() === 'active') await must(shell, ['systemctl', 'restart', desired.unit]);
    }
    return { observed: { sha256: sha } };
  };
  return {
    kind: UNIT_KIND,
    async observe({ resource }) {
      const { target, path } = resource.desired;
      const sum = await shells(target).exec(['sha256sum', path], { idempotent: true });
      const sha = sum.code === 0 ? (/^([0-9a-f]{64})\s/.exec(sum.stdout.trim())?.[1] ?? null) : null;
      return { observed: sha === null ? null : { sha256: sha } };
    },
    diff({ resource, observed }) {
      const sha = sha256Hex(resource.desired.content);
      const same = observed?.sha256 === sha;
      return {
        action: observed === null ? 'create' : same ? 'noop' : 'update',
        changes:
          observed === null || same
            ? []
            : [{ path: 'content', before: `sha256:${observed.sha256}`, after: `sha256:${sha}` }],
        requiresReplace: [],
        requiresRestart: observed !== null && !same,
        reasons:
          observed === null
            ? [`${resource.desired.path} is written (then systemctl daemon-reload)`]
            : same
              ? []
              : [`${resource.desired.path} changes (systemctl daemon-reload, then Traefik restarts if running)`],
      };
    },
    create: ({ resource }) => write(resource.desired, null),
    update: ({ resource, observed }) => write(resource.desired, observed),
    async delete({ ctx, address }) {
      ctx.hook.diagnostic({ severity: 'info', address, message: 'traefik unit left installed' });
      return {};
    },
  };
}
