/**
 * THE adapter between the status Phoenix computes (src/app/status.ts: the one status model,
 * a row per resource of every provider) and what the daemon serves (API, dashboard, metrics):
 * the same rows as `phoenix status --json`, with a display name, the node and guest extras the
 * topology picture needs.
 */
import type { Phoenix } from '../app/create-phoenix.ts';
import { PROVIDERS } from '../app/providers.ts';
import { environmentStatus } from '../app/status.ts';
import type { Condition, HealthState, PlanResult, SyncState } from '../engine/index.ts';

export type RowSync = SyncState;
export type RowHealth = HealthState;
export type { Condition };

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
  /** Provider extras the dashboard shows (a guest's id, type, role, status, IP). */
  details?: Record<string, unknown>;
}

/** Every row of `phoenix status --json`, in its order (providers' groups, then address). */
export async function readStatusRows(phoenix: Phoenix, planned: PlanResult): Promise<ResourceRow[]> {
  const status = await environmentStatus(phoenix, planned);
  const roles = new Map(
    phoenix.loaded.config.guests.map((g) => [String(g.id), g.role === undefined ? [] : [g.role].flat()] as const),
  );
  return status.rows.map((row) => {
    const d = row.details;
    const isGuest = d['id'] !== undefined && d['id'] !== '';
    return {
      kind: row.kind,
      address: row.address,
      name: d['name'] || row.address,
      sync: row.sync,
      health: row.health,
      drift: row.drift,
      conditions: row.conditions,
      ...(d['node'] ? { node: d['node'] } : {}),
      ...(isGuest
        ? {
            details: {
              id: Number(d['id']),
              type: d['type'],
              status: d['status'],
              ip: d['ip'],
              roles: roles.get(d['id'] as string) ?? [],
            },
          }
        : {}),
    };
  });
}

let kindToProvider: Map<string, string> | undefined;

/** The registry provider that owns a resource kind (`pki.certificate` -> `pki`). */
export function providerOfKind(kind: string): string {
  kindToProvider ??= new Map(PROVIDERS.flatMap((p) => p.kinds.map((k) => [k, p.name] as const)));
  return kindToProvider.get(kind) ?? kind.split('.')[0] ?? kind;
}
