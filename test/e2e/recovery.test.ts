/**
 * Never a blind retry of a create or clone: when the answer to the POST is lost (a 596 or a
 * reset after PVE accepted it), the provider looks the guest up and continues with it instead of
 * sending the POST again. In-process against the simulator model.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ProxmoxApiError } from '../../src/clients/proxmox/index.ts';
import { memoryJournal } from '../../src/engine/index.ts';
import { createGuestHandler } from '../../src/providers/proxmox/guest-handler.ts';
import type { GuestSpec } from '../../src/providers/proxmox/spec.ts';
import { startInProcessSim, type InProcessSim } from './_inproc.ts';

let sim: InProcessSim | undefined;
afterEach(() => sim?.close());

const spec = (over: Partial<GuestSpec> = {}): GuestSpec => ({
  vmid: 120,
  name: 'web',
  type: 'lxc',
  node: 'pve',
  source: { kind: 'ostemplate', volid: 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst', fileAddress: 'f' },
  cores: 1,
  memory: 256,
  disk: { storage: 'local-lvm', sizeGiB: 4 },
  net: [{ name: 'eth0', index: 0, bridge: 'vmbr0', ip: '10.0.0.20/24', gateway: '10.0.0.1' }],
  mounts: [],
  tags: [],
  snapshots: [],
  isTemplate: false,
  protected: false,
  running: true,
  dependsOn: [],
  ...over,
});

function applyCtx() {
  const journal = memoryJournal();
  const id = journal.begin({ address: 'guest.120', kind: 'proxmox.guest', action: 'create', attempt: 1 }) as string;
  return {
    journal,
    ctx: {
      signal: new AbortController().signal,
      hook: {} as never,
      attempt: 1,
      journal: { note: (d: Record<string, unknown>) => journal.note(id, d) },
    },
  };
}

describe('ambiguous create/clone failures', () => {
  it.each([
    ['create', 'POST', /\/nodes\/pve\/lxc$/],
    ['clone', 'POST', /\/lxc\/8000\/clone$/],
  ])(
    'after a lost answer to the %s POST, continues with the guest instead of posting again',
    async (kind, method, pattern) => {
      let posts = 0;
      sim = startInProcessSim({
        templates: ['debian-12-standard_12.7-1_amd64.tar.zst'],
        intercept: async (m, path, next) => {
          if (m !== method || !pattern.test(path)) return next();
          posts += 1;
          await next(); // PVE accepted it ...
          throw new ProxmoxApiError({ status: 596, message: 'Connection timed out', method: m, path }); // ... the answer was lost
        },
      });
      const handler = createGuestHandler({
        client: sim.client,
        resolveSecret: async () => 'x',
        taskTimeoutMs: 10_000,
        sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 5))),
      });
      let desired = spec();
      if (kind === 'clone') {
        // A template container to clone from, created without interception.
        const base = spec({ vmid: 8000, name: 'base', isTemplate: true, running: false });
        const upid = await sim.client.lxc.create('pve', {
          vmid: 8000,
          ostemplate: 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst',
          hostname: base.name,
          rootfs: 'local-lvm:4',
          tags: 'phoenix-managed',
        });
        await sim.client.waitForTask('pve', upid);
        await sim.client.lxc.template('pve', 8000);
        for (let i = 0; i < 100 && Number((await sim.client.lxc.status('pve', 8000)).template ?? 0) !== 1; i++)
          await new Promise((r) => setTimeout(r, 5));
        desired = spec({ source: { kind: 'clone', from: 8000, full: true } });
      }
      const { journal, ctx } = applyCtx();
      const resource = { address: 'guest.120', kind: 'proxmox.guest', desired, dependsOn: [] };
      await handler.create({ ctx, resource, change: { action: 'create' } as never });
      expect(posts).toBe(1);
      const rows = (await sim.client.cluster.resources('vm')).filter((r) => Number(r.vmid) === 120);
      expect(rows).toHaveLength(1);
      expect((await sim.client.lxc.status('pve', 120)).status).toBe('running');
      expect(String((await sim.client.lxc.config('pve', 120)).tags)).toContain('phoenix-managed');
      expect(journal.entries[0]?.notes).toMatchObject({ vmid: 120 });
    },
  );
});
