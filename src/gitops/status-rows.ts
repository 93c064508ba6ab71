/**
 * THE adapter between the status Phoenix computes and what the daemon serves (API, dashboard,
 * metrics): one function, `readStatusRows`, so the one status model of src/app can replace
 * today's guest/node/host rows here without touching the server. Rows follow the status
 * model's shape: kind, address, sync, health, conditions.
 */
import type { Phoenix } from '../app/create-phoenix.ts';
import { hostStatusRows, nodeStatusRows } from '../app/node-status.ts';
import { environmentStatus, type StatusRow as GuestRow } from '../app/status.ts';
import type { PlanResult } from '../engine/index.ts';

export type RowSync = 'in sync' | 'drifted' | 'missing' | 'pending' | 'orphaned';
export type RowHealth = 'healthy' | 'progressing' | 'degraded' | 'unknown';

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime?: string;
}

export interface ResourceRow {
  kind: string;
  address: string;
  /** Display name (guest name, or the address). */
  name: string;
  sync: RowSync;
  health: RowHealth;
  /** Attribute paths that differ from git. */
  drift: string[];
  conditions: Condition[];
  /** Where it runs: the node of a guest (topology picture); absent for node-wide objects. */
  node?: string;
  /** Guest extras the dashboard shows: id, type, role, status, IP. */
  details?: Record<string, unknown>;
}

const HEALTH: Record<GuestRow['health'], RowHealth> = {
  healthy: 'healthy',
  pending: 'progressing',
  unhealthy: 'degraded',
  '-': 'unknown',
};

function syncCondition(sync: RowSync, drift: string[]): Condition {
  const inSync = sync === 'in sync';
  return {
    type: 'Synced',
    status: inSync ? 'True' : 'False',
    reason: inSync ? 'InSync' : sync === 'missing' ? 'Missing' : 'Drifted',
    message: inSync ? 'matches git' : sync === 'missing' ? 'declared but not found' : `differs: ${drift.join(', ')}`,
  };
}

/** Guests first (by id), then node resources and host objects (by address). */
export async function readStatusRows(phoenix: Phoenix, planned: PlanResult): Promise<ResourceRow[]> {
  const guests = await environmentStatus(phoenix, planned);
  const roles = new Map(
    phoenix.loaded.config.guests.map((g) => [g.id, g.role === undefined ? [] : [g.role].flat()] as const),
  );
  const kinds = new Map(planned.plan.changes.map((c) => [c.address, c.kind]));
  const rows: ResourceRow[] = guests.map((g) => {
    const address = `guest.${g.id}`;
    const health = HEALTH[g.health];
    return {
      kind: kinds.get(address) ?? `proxmox.${g.type}`,
      address,
      name: g.name,
      sync: g.sync,
      health,
      drift: g.drift,
      node: g.node,
      details: { id: g.id, type: g.type, status: g.status, ip: g.ip, roles: roles.get(g.id) ?? [] },
      conditions: [
        syncCondition(g.sync, g.drift),
        {
          type: 'Ready',
          status: health === 'healthy' ? 'True' : health === 'unknown' ? 'Unknown' : 'False',
          reason: g.status === 'absent' ? 'NotFound' : g.status === 'running' ? 'Running' : 'NotRunning',
          message: `${g.type} ${g.status}${g.health === '-' ? '' : `, ${g.health}`}`,
        },
      ],
    };
  });
  for (const r of [...nodeStatusRows(planned.plan), ...hostStatusRows(planned.plan)]) {
    rows.push({
      kind: r.kind,
      address: r.address,
      name: r.address,
      sync: r.sync,
      health: 'unknown',
      drift: r.drift,
      conditions: [syncCondition(r.sync, r.drift)],
    });
  }
  return rows;
}
