/**
 * `node.probe`: a health check run on a target (`argv` must exit with `expectExit`). It changes
 * nothing, so its diff is always noop; the engine polls `health` after the resources it depends
 * on were applied, and the plan shows whether the probe passes right now.
 */
import type { ResourceHandler } from '../../engine/handler.ts';
import type { TargetRef } from './shell.ts';
import type { ShellResolver } from './resolver.ts';

export const PROBE_KIND = 'node.probe';

export interface ManagedProbe {
  target: TargetRef;
  argv: string[];
  expectExit?: number;
  timeoutMs?: number;
}

export interface ObservedProbe {
  passing: boolean;
}

export function probeHandler(shells: ShellResolver): ResourceHandler<ManagedProbe, ObservedProbe> {
  const run = async (probe: ManagedProbe): Promise<{ passing: boolean; detail: string }> => {
    const result = await shells(probe.target).exec(probe.argv, {
      timeoutMs: probe.timeoutMs ?? 10_000,
      idempotent: true,
    });
    const passing = result.code === (probe.expectExit ?? 0);
    return { passing, detail: `exit ${result.code}${result.stderr ? `: ${result.stderr.trim().slice(0, 200)}` : ''}` };
  };
  return {
    kind: PROBE_KIND,
    async observe({ resource }) {
      return { observed: { passing: (await run(resource.desired)).passing } };
    },
    diff: ({ resource, observed }) => ({
      action: 'noop',
      changes: [],
      requiresReplace: [],
      requiresRestart: false,
      reasons: observed?.passing ? [] : [`probe \`${resource.desired.argv.join(' ')}\` is failing now`],
    }),
    create: async () => ({}),
    update: async () => ({}),
    delete: async () => ({}),
    async health({ resource }) {
      const { passing, detail } = await run(resource.desired);
      return passing ? { status: 'healthy' } : { status: 'pending', message: detail };
    },
  };
}
