/**
 * `node.service`: a systemd unit's enabled/active state on a node or in a guest. Reloads are not
 * state: they are done by the resource whose files changed (dns, nfs), and only on change.
 */
import type { ResourceHandler } from '../../engine/handler.ts';
import type { AttributeChange } from '../../engine/plan/types.ts';
import { commandFailed } from '../../clients/ssh/ssh-client.ts';
import { describeTarget, type TargetRef, type TargetShell } from './shell.ts';
import type { ShellResolver } from './resolver.ts';

export const SERVICE_KIND = 'node.service';

export interface ManagedService {
  target: TargetRef;
  unit: string;
  enabled: boolean;
  active: boolean;
}

export interface ObservedService {
  enabled: boolean;
  active: boolean;
}

export async function observeService(shell: TargetShell, unit: string): Promise<ObservedService> {
  // Both print the state and exit non-zero when it is "no"; only the printed word counts.
  const enabled = await shell.exec(['systemctl', 'is-enabled', unit], { idempotent: true });
  const active = await shell.exec(['systemctl', 'is-active', unit], { idempotent: true });
  return { enabled: enabled.stdout.trim() === 'enabled', active: active.stdout.trim() === 'active' };
}

/** Run `systemctl <verb> <unit>` and fail with stderr on a non-zero exit. */
export async function systemctl(shell: TargetShell, verb: string, unit: string): Promise<void> {
  const argv = ['systemctl', verb, unit];
  const result = await shell.exec(argv, { timeoutMs: 120_000 });
  if (result.code !== 0) throw commandFailed(describeTarget(shell.target), argv, result);
}

export function serviceHandler(shells: ShellResolver): ResourceHandler<ManagedService, ObservedService> {
  const converge = async (
    desired: ManagedService,
    observed: ObservedService,
  ): Promise<{ observed: ObservedService }> => {
    const shell = shells(desired.target);
    if (desired.enabled !== observed.enabled)
      await systemctl(shell, desired.enabled ? 'enable' : 'disable', desired.unit);
    if (desired.active !== observed.active) await systemctl(shell, desired.active ? 'start' : 'stop', desired.unit);
    return { observed: { enabled: desired.enabled, active: desired.active } };
  };
  return {
    kind: SERVICE_KIND,
    async observe({ resource }) {
      return { observed: await observeService(shells(resource.desired.target), resource.desired.unit) };
    },
    diff({ resource, observed }) {
      const { desired } = resource;
      const changes: AttributeChange[] = [];
      for (const key of ['enabled', 'active'] as const) {
        if (observed?.[key] !== desired[key]) changes.push({ path: key, before: observed?.[key], after: desired[key] });
      }
      return {
        action: changes.length === 0 ? 'noop' : 'update',
        changes,
        requiresReplace: [],
        requiresRestart: false,
        reasons: changes.map(
          (c) =>
            `${desired.unit} should be ${c.path === 'enabled' ? (desired.enabled ? 'enabled' : 'disabled') : desired.active ? 'running' : 'stopped'}`,
        ),
      };
    },
    create: ({ resource }) => converge(resource.desired, { enabled: false, active: false }),
    update: ({ resource, observed }) => converge(resource.desired, observed),
    async delete({ ctx, address }) {
      ctx.hook.diagnostic({ severity: 'info', address, message: 'service left as it is (no longer managed)' });
      return {};
    },
  };
}
