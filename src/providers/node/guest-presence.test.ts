import { describe, expect, it } from 'vitest';
import type { ResourceHandler } from '../../engine/handler.ts';
import { untilGuestExists } from './guest-presence.ts';
import type { TargetRef, TargetShell } from './shell.ts';

type D = { target: TargetRef };
const failing: ResourceHandler<D, string> = {
  kind: 'test.kind',
  observe: async () => {
    throw new Error('`stat /etc/x` failed on CT 101 with exit code 255');
  },
  diff: () => ({ action: 'noop', changes: [], requiresReplace: [], requiresRestart: false, reasons: [] }),
  create: async () => ({ observed: 'x' }),
  update: async () => ({ observed: 'x' }),
  delete: async () => ({}),
};

function shellAnswering(answer: { code: number; stderr: string } | Error): () => TargetShell {
  return () => ({
    target: { kind: 'lxc', node: 'pve', vmid: 101 },
    exec: async () => {
      if (answer instanceof Error) throw answer;
      return { code: answer.code, stdout: '', stderr: answer.stderr };
    },
    writeFile: async () => undefined,
  });
}

const observe = (handler: ResourceHandler<D, string>, target: TargetRef) =>
  handler.observe({
    ctx: {} as never,
    resource: { address: 'a', kind: 'test.kind', node: 'pve', dependsOn: [], desired: { target } },
  });

describe('untilGuestExists', () => {
  const ct: TargetRef = { kind: 'lxc', node: 'pve', vmid: 101 };
  it('a guest pct does not know yet: the resource is absent (planned as created)', async () => {
    const shells = shellAnswering({
      code: 255,
      stderr: "Configuration file 'nodes/pve/lxc/101.conf' does not exist\n",
    });
    await expect(observe(untilGuestExists(failing, shells), ct)).resolves.toEqual({ observed: null });
    const stopped = shellAnswering({ code: 255, stderr: 'CT 101 not running\n' });
    await expect(observe(untilGuestExists(failing, stopped), ct)).resolves.toEqual({ observed: null });
  });

  it('any other failure stays an error: an unreachable node is not an empty guest', async () => {
    const down = shellAnswering(new Error('connect ECONNREFUSED 10.0.0.1:22'));
    await expect(observe(untilGuestExists(failing, down), ct)).rejects.toThrow(/exit code 255/);
    const running = shellAnswering({ code: 0, stderr: '' });
    await expect(observe(untilGuestExists(failing, running), ct)).rejects.toThrow(/exit code 255/);
    await expect(observe(untilGuestExists(failing, running), { kind: 'node', node: 'pve' })).rejects.toThrow(
      /exit code 255/,
    );
  });
});
