/**
 * `phoenix status` / `phoenix up` output: per declared guest, whether it exists, runs, is
 * healthy (LXC: running; VM: running and the guest agent answers), is in sync with the config,
 * and its address.
 */
import type { ObservedGuest } from '../providers/proxmox/diff.ts';
import { guestHealth } from '../providers/proxmox/guest-handler.ts';
import type { GuestSpec } from '../providers/proxmox/spec.ts';
import type { Phoenix } from './create-phoenix.ts';
import type { PlanResult } from '../engine/index.ts';
import { planEnvironment } from './operations.ts';

export interface StatusRow {
  id: number;
  name: string;
  type: 'lxc' | 'vm';
  node: string;
  status: string;
  health: 'healthy' | 'pending' | 'unhealthy' | '-';
  sync: 'in sync' | 'drifted' | 'missing';
  ip: string;
  /** The attributes that drifted. */
  drift: string[];
}

/** `planned`: a plan already made for this environment (so callers showing more rows plan once). */
export async function environmentStatus(phoenix: Phoenix, planned?: PlanResult): Promise<StatusRow[]> {
  const { plan, observations } = planned ?? (await planEnvironment(phoenix));
  const changes = new Map(plan.changes.map((c) => [c.address, c]));
  const rows: StatusRow[] = [];
  for (const r of phoenix.derived.guests) {
    const spec = r.desired;
    const observed = observations.get(r.address)?.observed as ObservedGuest | undefined;
    const change = changes.get(r.address);
    const row: StatusRow = {
      id: spec.vmid,
      name: spec.name,
      type: spec.type,
      node: observed?.node ?? spec.node,
      status: observed ? (observed.template ? 'template' : observed.status) : 'absent',
      health: '-',
      sync: !observed ? 'missing' : change && change.action !== 'noop' ? 'drifted' : 'in sync',
      ip: ipOf(spec),
      drift: change?.attributes.map((a) => a.path) ?? [],
    };
    if (observed && !observed.template && spec.running) {
      const h = await guestHealth(
        { client: phoenix.client, taskTimeoutMs: 10_000, sleep: async () => undefined },
        { ...spec, node: observed.node },
      );
      row.health = h.status;
    }
    rows.push(row);
  }
  return rows.sort((a, b) => a.id - b.id);
}

function ipOf(spec: GuestSpec): string {
  const ips = spec.net.map((n) => (n.ip && n.ip !== 'dhcp' ? n.ip.split('/')[0] : n.ip)).filter(Boolean);
  return ips.length > 0 ? ips.join(', ') : '-';
}

/** A plain aligned table (no colours: also read by scripts). */
export function renderStatusTable(rows: StatusRow[]): string {
  const header = ['ID', 'NAME', 'TYPE', 'NODE', 'STATUS', 'HEALTH', 'SYNC', 'IP'];
  const body = rows.map((r) => [String(r.id), r.name, r.type, r.node, r.status, r.health, r.sync, r.ip]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...body.map(line)].join('\n') + '\n';
}
