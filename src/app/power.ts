/**
 * `phoenix start|stop|restart <id>`: power operations in dependency order. Start brings up what
 * the guest depends on first; stop takes down what depends on the guest first (reverse
 * dependency order), so a service is never left running without what it needs.
 */
import { buildConfigGraph } from '../engine/index.ts';
import { ensureRunning, shutdownGuest, type GuestRef, type OpsContext } from '../providers/proxmox/guest-ops.ts';
import type { GuestResource } from '../providers/proxmox/derive.ts';
import type { Phoenix } from './create-phoenix.ts';
import { resolveTarget } from './operations.ts';

export type PowerAction = 'start' | 'stop' | 'restart';

export interface PowerStep {
  address: string;
  action: 'start' | 'stop';
}

/** The ordered steps for a power action on the given guests (pure; exported for tests). */
export function powerSteps(
  phoenix: Pick<Phoenix, 'resources' | 'registry' | 'derived'>,
  addresses: string[],
  action: PowerAction,
): PowerStep[] {
  const { graph } = buildConfigGraph({ resources: phoenix.resources, registry: phoenix.registry });
  const order = graph.topologicalOrder();
  const guests = new Set(phoenix.derived.guests.filter((g) => !g.desired.isTemplate).map((g) => g.address));
  const closure = (start: string[], next: (a: string) => string[]): Set<string> => {
    const seen = new Set<string>();
    const stack = [...start];
    while (stack.length > 0) {
      const a = stack.pop() as string;
      if (seen.has(a)) continue;
      seen.add(a);
      stack.push(...next(a));
    }
    return seen;
  };
  const up = closure(addresses, (a) => graph.dependenciesOf(a));
  const down = closure(addresses, (a) => graph.dependentsOf(a));
  const starts = order
    .filter((a) => up.has(a) && guests.has(a))
    .map((address) => ({ address, action: 'start' as const }));
  const stops = [...order]
    .reverse()
    .filter((a) => down.has(a) && guests.has(a))
    .map((address) => ({ address, action: 'stop' as const }));
  if (action === 'start') return starts;
  if (action === 'stop') return stops;
  // Restart: stop the guest and its dependents, then start them again in dependency order.
  const restartStarts = order
    .filter((a) => down.has(a) && guests.has(a))
    .map((address) => ({ address, action: 'start' as const }));
  return [...stops, ...restartStarts];
}

export async function powerGuests(
  phoenix: Phoenix,
  ids: string[],
  action: PowerAction,
  write: (line: string) => void,
): Promise<void> {
  const addresses = ids.map((id) => resolveTarget(phoenix, id));
  const byAddress = new Map<string, GuestResource>(phoenix.derived.guests.map((g) => [g.address, g]));
  const rows = await phoenix.client.cluster.resources('vm');
  const nodeOf = new Map(rows.map((r) => [Number(r.vmid), r.node ?? '']));
  const ctx: OpsContext = {
    client: phoenix.client,
    taskTimeoutMs: 600_000,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
  for (const step of powerSteps(phoenix, addresses, action)) {
    const spec = byAddress.get(step.address)?.desired;
    if (!spec) continue;
    const node = nodeOf.get(spec.vmid);
    if (!node) {
      write(`${step.address}: does not exist (run phoenix apply first), skipped\n`);
      continue;
    }
    const g: GuestRef = { vmid: spec.vmid, node, type: spec.type, address: step.address };
    write(`${step.address} (${spec.name}): ${step.action === 'start' ? 'starting' : 'stopping'}\n`);
    if (step.action === 'start') await ensureRunning(ctx, g);
    // A clean shutdown with the guest's declared timeout and fallback, never a plain power-off.
    else await shutdownGuest(ctx, g, spec.restart);
  }
}
