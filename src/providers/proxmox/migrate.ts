/**
 * Moving a guest to another node for `--rebalance`: a PVE migration, never a replacement. A
 * running VM migrates online (local disks along with it); a running container in restart mode
 * (PVE cannot migrate containers live): shut down, moved, started again. Waits for the task
 * (PVE holds `lock: migrate` meanwhile), then the guest is converged where it now lives.
 */
import type { GuestRef, OpsContext } from './guest-ops.ts';
import { guestStatus, waitTask } from './guest-ops.ts';
import { apiKind } from './observe.ts';

export async function migrateGuest(ctx: OpsContext, g: GuestRef, target: string): Promise<void> {
  const status = await guestStatus(ctx, g);
  if (!status) return;
  const running = status.status === 'running';
  const params: Record<string, string | number> = { target };
  if (g.type === 'vm') {
    if (running) params.online = 1;
    params['with-local-disks'] = 1;
  } else if (running) {
    params.restart = 1;
  }
  await ctx.note?.({ op: 'migrate', vmid: g.vmid, from: g.node, to: target });
  const upid = await ctx.client.transport.request<string>(
    'POST',
    `/nodes/${encodeURIComponent(g.node)}/${apiKind(g.type)}/${g.vmid}/migrate`,
    params,
    { retryUnsafe: false },
  );
  await waitTask(ctx, g.node, upid, g.address);
}
