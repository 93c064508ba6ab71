/**
 * Conformance: who may clone from one source at the same time (spec §5.3, §5.4, §5.1). Phoenix's
 * converge schedules clones by exactly these rules (issue 15), so the simulator must enforce them:
 * - §5.3 QEMU: the clone worker takes the source's flock SHARED when the source is stopped or a
 *   template (parallel clones of one template run together) and EXCLUSIVE when it is running (a
 *   second clone waits 1 s for it and fails `can't lock file … got timeout` as a task error).
 * - §5.4 LXC: the source gets `lock: disk` synchronously for the whole clone; any second clone,
 *   template or not, fails at once with HTTP 500 `CT is locked (disk)`.
 */
import { describe, expect, it } from 'vitest';
import { apiError, DEBIAN, NO_FAULTS } from '../state/test-harness.ts';
import { createSimModel, createVirtualClock } from '../state/index.ts';

const VM = '/nodes/{node}/qemu/{vmid}';
const CT = '/nodes/{node}/lxc/{vmid}';

function model() {
  const clock = createVirtualClock();
  const m = createSimModel({
    nodes: [{ name: 'pve', cores: 8, memoryMiB: 32768 }],
    speed: 1,
    clock,
    faults: NO_FAULTS,
    seed: 3,
  });
  /** Runs a task to its end on the virtual clock. */
  const run = async (method: 'POST' | 'PUT', route: string, params: Record<string, unknown>) => {
    const upid = (await m.call(method, route, { node: 'pve', ...params })) as string;
    await clock.advance(60_000);
    return m.waitTask(upid);
  };
  return { m, clock, run };
}

async function vmSource(t: ReturnType<typeof model>, vmid: number, as: 'template' | 'stopped' | 'running') {
  await t.run('POST', '/nodes/{node}/qemu', {
    vmid,
    name: `src${vmid}`,
    scsi0: 'local-lvm:8',
    net0: 'virtio,bridge=vmbr0',
  });
  if (as === 'template') await t.run('POST', `${VM}/template`, { vmid });
  if (as === 'running') await t.run('POST', `${VM}/status/start`, { vmid });
}

/** Starts two full clones of `source` at once; returns both tasks' records when both ended. */
async function twoClones(t: ReturnType<typeof model>, source: number) {
  const a = (await t.m.call('POST', `${VM}/clone`, { node: 'pve', vmid: source, newid: 201, full: 1 })) as string;
  const b = (await t.m.call('POST', `${VM}/clone`, { node: 'pve', vmid: source, newid: 202, full: 1 })) as string;
  // A full clone takes 20 s (realistic duration); check both are still running after 10 s.
  await t.clock.advance(10_000);
  const during = [t.m.context.tasks.get(a)?.status, t.m.context.tasks.get(b)?.status];
  await t.clock.advance(60_000);
  return { during, a: await t.m.waitTask(a), b: await t.m.waitTask(b) };
}

describe('clone locks', () => {
  it('§5.3 a QEMU template serves two full clones at the same time (shared source flock)', async () => {
    const t = model();
    await vmSource(t, 9000, 'template');
    const { during, a, b } = await twoClones(t, 9000);
    expect(during).toEqual(['running', 'running']);
    expect([a?.exitstatus, b?.exitstatus]).toEqual(['OK', 'OK']);
    t.m.close();
  });

  it('§5.3 a stopped (non-template) VM is flocked shared too: parallel full clones succeed', async () => {
    const t = model();
    await vmSource(t, 100, 'stopped');
    const { a, b } = await twoClones(t, 100);
    expect([a?.exitstatus, b?.exitstatus]).toEqual(['OK', 'OK']);
    t.m.close();
  });

  it('§5.3 a running VM is flocked exclusively: the second clone fails on the 1 s source flock', async () => {
    const t = model();
    await vmSource(t, 100, 'running');
    const { a, b } = await twoClones(t, 100);
    expect(a?.exitstatus).toBe('OK');
    expect(b?.exitstatus).toBe("can't lock file '/var/lock/qemu-server/lock-100.conf' - got timeout");
    // The failed clone left nothing behind (§5.3 step 5).
    expect(await apiError(t.m.call('GET', `${VM}/config`, { node: 'pve', vmid: 202 }))).toMatchObject({ status: 500 });
    t.m.close();
  });

  it('§5.4 an LXC template serves one clone at a time: the second is refused with CT is locked (disk)', async () => {
    const t = model();
    await t.run('POST', '/nodes/{node}/lxc', {
      vmid: 900,
      ostemplate: DEBIAN,
      rootfs: 'local-lvm:4',
      hostname: 'base',
    });
    await t.run('POST', `${CT}/template`, { vmid: 900 });
    const first = (await t.m.call('POST', `${CT}/clone`, { node: 'pve', vmid: 900, newid: 301 })) as string;
    const err = await apiError(t.m.call('POST', `${CT}/clone`, { node: 'pve', vmid: 900, newid: 302 }));
    expect([err.status, err.message]).toEqual([500, 'CT is locked (disk)']);
    await t.clock.advance(60_000);
    expect((await t.m.waitTask(first))?.exitstatus).toBe('OK');
    // Once the first clone's task ended, the source is free again.
    expect((await t.run('POST', `${CT}/clone`, { vmid: 900, newid: 302 }))?.exitstatus).toBe('OK');
    t.m.close();
  });
});
