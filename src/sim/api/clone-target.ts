/**
 * Where a clone lands (spec A.5 clone early checks): `target` names another cluster node, which
 * PVE allows only when every volume of the source lives on shared storage (the new guest's
 * disks are made where the source's are, and only a shared storage is there on both nodes), and
 * when an explicit target `storage` is shared too. Without `target` the clone stays on the
 * source's node.
 */
import { SimApiError, type SimRequest } from '../contract.ts';
import { requireNode, type SimContext } from '../state/context.ts';
import type { Guest } from '../state/guests.ts';

export function cloneTargetNode(
  ctx: SimContext,
  req: SimRequest,
  source: Guest,
  volids: readonly string[],
  label: 'VM' | 'CT',
): string {
  const raw = req.params.target;
  if (typeof raw !== 'string' || raw === source.node || raw === 'localhost') return source.node;
  const target = requireNode(ctx, raw).name;
  for (const volid of volids) {
    const sid = volid.split(':')[0] ?? '';
    const config = ctx.storage.configs.get(sid);
    if (!config || !ctx.storage.isShared(config))
      throw new SimApiError(500, `can't clone ${label} to node '${target}' (${label} uses local storage)`);
  }
  const storage = req.params.storage;
  if (typeof storage === 'string') {
    const config = ctx.storage.configs.get(storage);
    if (!config || !ctx.storage.isShared(config))
      throw new SimApiError(500, `can't clone to non-shared storage '${storage}'`);
  }
  return target;
}
