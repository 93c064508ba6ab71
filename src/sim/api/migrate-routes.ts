/**
 * Migration (qemu-server `API2/Qemu.pm` `migrate_vm`, pve-container `API2/LXC.pm`
 * `migrate_vm`): a `qmigrate` / `vzmigrate` task that holds `lock: migrate` on the guest while it
 * runs and moves it to the target node. A running VM needs `online=1` (live migration, it keeps
 * running); a running container cannot migrate live and needs `restart=1` (it is shut down,
 * moved and started again). Local volumes move only with `with-local-disks` (VM) and always
 * for containers in restart mode, to the same storage id on the target. An HA-managed guest is
 * migrated by the HA manager: the API answers with an `hamigrate` task that only requests it.
 */
import { SimApiError, type SimRequest, type SimRoute } from '../contract.ts';
import { duration, requireGuest, requireNode, type SimContext } from '../state/context.ts';
import { checkLock, type Guest } from '../state/guests.ts';
import { sidOf } from '../state/ha.ts';
import { bool } from '../state/context.ts';
import { referencedVolumes } from './guest-config.ts';
import { startTask } from './guest-ops.ts';
import { route } from './envelope.ts';

function localVolumes(ctx: SimContext, guest: Guest): string[] {
  return referencedVolumes(guest.type, guest.config)
    .map((v) => v.volid)
    .filter((volid) => {
      const c = ctx.storage.configs.get(volid.split(':')[0] ?? '');
      return c !== undefined && !ctx.storage.isShared(c);
    });
}

function moveVolumes(ctx: SimContext, guest: Guest, target: string, volids: string[]): void {
  for (const volid of volids) {
    const volume = ctx.storage.find(guest.node, volid);
    if (!volume) continue;
    ctx.storage.free(guest.node, volid);
    ctx.storage.add(target, volume);
  }
}

function migrate(ctx: SimContext, req: SimRequest, type: 'qemu' | 'lxc'): string {
  const p = req.params;
  const guest = requireGuest(ctx, p.node, p.vmid, type);
  const target = String(p.target);
  if (target === guest.node)
    throw new SimApiError(400, 'Parameter verification failed.', { target: 'target is local node.' });
  const targetNode = ctx.nodes.get(target);
  if (!targetNode) throw new SimApiError(500, `no such cluster node '${target}'`);
  if (targetNode.online === false) throw new SimApiError(500, `target node '${target}' is not online`);
  checkLock(guest);
  const word = type === 'qemu' ? 'VM' : 'CT';
  const ha = ctx.ha.resources.get(sidOf(guest));
  if (ha && ha.state !== 'ignored') {
    // HA: the task only asks the CRM (spec §4 `hamigrate`); the CRM migrates right after.
    return startTask(ctx, req, guest, 'hamigrate', guest.vmid, async (task) => {
      task.log(`Requesting HA migration for ${word} ${guest.vmid} to node ${target}`);
      guest.node = target;
    });
  }
  const running = guest.status === 'running';
  const local = localVolumes(ctx, guest);
  if (type === 'qemu') {
    if (running && !bool(p.online)) throw new SimApiError(500, "can't migrate running VM without --online");
    if (local.length > 0 && !bool(p['with-local-disks']))
      throw new SimApiError(500, `can't migrate local disk '${local[0]}': use --with-local-disks`);
  } else if (running && !bool(p.restart)) {
    throw new SimApiError(
      500,
      bool(p.online)
        ? 'lxc live migration is currently not implemented'
        : "CT is running - use online migration or restart mode ('restart')",
    );
  }
  for (const volid of local) {
    const storage = ctx.storage.configs.get(volid.split(':')[0] ?? '');
    if (storage && !ctx.storage.availableOn(storage, target))
      throw new SimApiError(500, `storage '${storage.storage}' is not available on node '${target}'`);
  }
  requireNode(ctx, target);
  guest.config.lock = 'migrate';
  const source = guest.node;
  return startTask(
    ctx,
    req,
    guest,
    type === 'qemu' ? 'qmigrate' : 'vzmigrate',
    guest.vmid,
    async (task) => {
      task.log(`starting migration of ${word} ${guest.vmid} to node '${target}' (${targetNode.ip})`);
      if (type === 'lxc' && running) {
        task.log(`shutdown CT ${guest.vmid}`);
        guest.status = 'stopped';
        await task.sleep(duration(ctx, 'vzshutdown'));
      }
      for (const volid of local) task.log(`found local volume '${volid}' (in current VM config)`);
      await task.sleep(duration(ctx, type === 'qemu' ? 'qmmigrate' : 'vzmigrate'));
      moveVolumes(ctx, guest, target, local);
      guest.node = target;
      if (type === 'lxc' && running) {
        task.log(`start container on target node`);
        guest.status = 'running';
        guest.startedAt = ctx.clock.now();
      }
      task.log(`migration finished successfully (duration ${source} -> ${target})`);
    },
    {
      onFinally: () => {
        if (guest.config.lock === 'migrate') delete guest.config.lock;
      },
    },
  );
}

export function migrateRoutes(ctx: SimContext): SimRoute[] {
  return [
    route('POST', '/nodes/{node}/qemu/{vmid}/migrate', (req) => migrate(ctx, req, 'qemu')),
    route('POST', '/nodes/{node}/lxc/{vmid}/migrate', (req) => migrate(ctx, req, 'lxc')),
  ];
}
